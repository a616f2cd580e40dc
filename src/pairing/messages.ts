/** The conversation and messages of a trajectory come from `src/trajectory` (one steps → conversation rule). */
export { conversationOf, modelTurns, trajectoryLength, trajectoryMessages } from "../trajectory/index.js";
