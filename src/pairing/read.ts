/** Pairing reads trajectory files through the one reader of `src/trajectory`. */
export { countLines, formatIssue, type IssueKind, type ReadOptions, readTrajectoryFile as scanTrajectories, type RowIssue } from "../trajectory/index.js";
