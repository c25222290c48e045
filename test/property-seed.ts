// Loaded before every test file (scripts/run-tests.mjs --import): fast-check properties run from a fixed seed
// so the suite is deterministic; FC_SEED=<n> explores other inputs (a failure prints the seed to replay).
import fc from "fast-check";

const seed = Number(process.env.FC_SEED ?? 20261125);
fc.configureGlobal({ seed });
