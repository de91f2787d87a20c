/**
 * The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from a 31-symbol
 * alphabet without I, O, S, V and Z; the last is a check character over the first 17.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const SHAPE = /^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/;

export const checkCharacter = (first17: string): string => {
  const sum = [...first17].reduce((total, char, i) => total + ALPHABET.indexOf(char) * WEIGHTS[i]!, 0);
  return ALPHABET[(31 - (sum % 31)) % 31]!;
};

/** Why a code is not a valid unified social credit code, or null when it is. */
export const taxIdProblem = (code: string): string | null => {
  if (code.length !== 18) return 'Must be 18 characters';
  if (!SHAPE.test(code)) return 'Must use digits and capital letters other than I, O, S, V and Z, with digits 3 to 8 an area code';
  if (checkCharacter(code.slice(0, 17)) !== code[17]) return 'The check character (the 18th) does not match the other 17';
  return null;
};
