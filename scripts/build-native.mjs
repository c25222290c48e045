#!/usr/bin/env node
// Placeholder until the native engine lands: builds nothing when native/ holds no C sources.
import { existsSync, readdirSync } from "node:fs";
if (!existsSync("native") || !readdirSync("native").some((f) => f.endsWith(".c"))) process.exit(0);
