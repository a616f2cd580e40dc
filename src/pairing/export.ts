/** The message-level export formats (src/export/messages.ts), re-exported for pairing's users. */
export * from "../export/messages.js";
