// Whole-or-absent file writes for the report and its PNGs: src/util/atomic.ts under the report's name.
export { writeFileAtomic as writeBytesAtomic } from "../util/atomic.js";
