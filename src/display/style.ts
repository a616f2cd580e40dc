/** Colours and inline styles the display verbs share, so a mask looks the same in every view. */

/** Background of text the model wrote (it counts in the loss), and of everything else (masked). */
export const WRITTEN = "#c7f0d8";
export const MASKED = "#e6e6e6";
/** A second shade of each, so neighbouring tokens stay distinguishable. */
export const WRITTEN_ALT = "#a9e4c3";
export const MASKED_ALT = "#d2d2d2";
export const CORRECT = "#2a9d8f";
export const WRONG = "#e76f51";

/** Trace colours, in order, for charts that are not given their own. */
export const PALETTE = ["#457b9d", "#e76f51", "#2a9d8f", "#e9c46a", "#8d99ae", "#f4a261", "#264653", "#a8dadc"] as const;

export const MONO = "font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:85%;white-space:pre-wrap";
export const CAPTION = "font-size:90%;color:#555;margin:4px 0";
