// Script output is untrusted text. It is rendered as React text nodes (never as HTML); here
// terminal control sequences are removed so colour codes do not show up as noise.

// eslint-disable-next-line no-control-regex
const CSI = /\u001b\[[0-?]*[ -/]*[@-~]/g;
// eslint-disable-next-line no-control-regex
const OSC = /\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g;
// eslint-disable-next-line no-control-regex
const OTHER_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** The output with ANSI sequences stripped and other control characters shown as �. */
export function plainOutput(text: string): string {
  return text.replace(OSC, '').replace(CSI, '').replace(OTHER_CONTROL, '\ufffd');
}
