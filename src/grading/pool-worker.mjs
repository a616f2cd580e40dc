// Entry of a grader pool worker. Plain JavaScript that registers tsx itself, so the TypeScript
// grader loads the same way whether the pool was started from tsx, plain Node or the tslab kernel.
import { register } from "tsx/esm/api";

register();
await import("./pool-worker-main.ts");
