// Where the read-only shared data lives: beside the repository (../shared), as on every developer
// machine and in CI; PREFLOOP_SHARED overrides. Tests may read it; the product never needs it.
import { join } from "node:path";

export const sharedDir = process.env.PREFLOOP_SHARED ?? join(import.meta.dirname, "../../shared");
