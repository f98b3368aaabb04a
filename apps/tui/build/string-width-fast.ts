// A fast path in front of string-width for the text the picker draws (bundled in place of every
// `string-width` import; see tsup.config.ts). The real string-width builds Unicode-property regexes
// (\p{RGI_Emoji} and others) on first use: ~45 ms of the picker's start-up, for text that is
// almost always ASCII plus a few known one-column glyphs. Anything else goes to the real one.

/**
 * Characters one terminal column wide whatever `ambiguousIsNarrow` says, and never part of a
 * grapheme cluster with their neighbours: printable ASCII, Latin-1 and Latin Extended (no soft
 * hyphen, no combining marks), general punctuation (… ‘ ’ “ ”), arrows, box drawing and blocks
 * (▌), Braille (the spinner), and the picker's ✔ ✖ ❯. The test compares each with string-width.
 */
export const ONE_COLUMN =
  /^[\u0020-\u007E\u00A1-\u00AC\u00AE-\u02FF\u2010-\u2027\u2030-\u205E\u2190-\u21FF\u2500-\u259F\u2800-\u28FF\u2714\u2716\u276F]*$/;

/** SGR sequences (colours, bold…) that Ink puts into lines it measures. */
const SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

export function fastWidth(text: string, ambiguousIsNarrow: boolean): number | undefined {
  if (!ambiguousIsNarrow) return undefined;
  if (ONE_COLUMN.test(text)) return text.length;
  if (text.includes('\u001B')) {
    const bare = text.replace(SGR, '');
    if (ONE_COLUMN.test(bare)) return bare.length;
  }
  return undefined;
}
