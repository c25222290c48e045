// Atomic file writes for the run directory: src/util/atomic.ts (shared by every layer), re-exported so the
// pipeline's files and its index keep one import path.
export { fsyncDir, tempPathFor, writeFileAtomic, writeJsonAtomic } from "../util/atomic.js";
