import { parseBackendList, type BackendName } from "../../src/losses/backend.js";

/**
 * Backends the tfjs tests run on: cpu and wasm by default (both run everywhere);
 * `MATHAGENT_TEST_BACKENDS=webgpu,wasm` to choose (e.g. on a machine with a GPU adapter).
 */
export const TEST_BACKENDS: BackendName[] = process.env["MATHAGENT_TEST_BACKENDS"]
  ? parseBackendList(process.env["MATHAGENT_TEST_BACKENDS"])
  : ["cpu", "wasm"];
