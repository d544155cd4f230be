/**
 * Splits text into lower-cased, accent-free words the way a BERT "basic tokenizer" does (the
 * `BertNormalizer` + `BertPreTokenizer` pair written into the project's own tokenizer.json), so
 * the vocabulary learned here matches the tokens transformers.js produces at encoding time.
 */

const whitespace = /\s+/u;
// BERT treats every ASCII symbol as punctuation, plus Unicode punctuation (category P).
const punctuation = /([\p{P}\x21-\x2f\x3a-\x40\x5b-\x60\x7b-\x7e])/u;
const combiningMark = /\p{Mn}/gu;
// BertNormalizer's clean_text drops control characters and the replacement character.
const controlCharacters = /[\ufffd\p{Cc}\p{Cf}]/gu;

/** Lower-cases, strips accents and control characters (BertNormalizer with lowercase=true). */
export function normalizeText(text: string): string {
  return text
    .replace(/[\t\n\r]/g, ' ')
    .replace(controlCharacters, '')
    .toLowerCase()
    .normalize('NFD')
    .replace(combiningMark, '');
}

/** Every token BERT's pre-tokenizer yields for `text`, punctuation marks included. */
export function basicTokens(text: string): string[] {
  const tokens: string[] = [];
  for (const chunk of normalizeText(text).split(whitespace)) {
    if (!chunk) continue;
    for (const piece of chunk.split(punctuation)) if (piece) tokens.push(piece);
  }
  return tokens;
}

/** True for tokens worth a vector: anything that is not a lone punctuation mark. */
export function isWord(token: string): boolean {
  return !punctuation.test(token) || token.length > 1;
}

/** The words of `text` (punctuation dropped), in order, repeats kept. */
export function words(text: string): string[] {
  return basicTokens(text).filter(isWord);
}
