import { describe, expect, it } from 'vitest';
import { checkCharacter, taxIdProblem } from '#core/tax-id';

describe('unified social credit code (GB 32100-2015)', () => {
  it('accepts codes whose check character matches', () => {
    for (const code of ['91350100M000100Y43', '91110000802100433B', '91440300708461136T']) expect(taxIdProblem(code)).toBeNull();
    // A sum divisible by 31 gives 31 - 0 = 31, which wraps to "0".
    expect(checkCharacter('91110108003123456')).toBe('0');
    expect(taxIdProblem('911101080031234560')).toBeNull();
  });

  it('refuses a wrong check character, a wrong length and letters outside the alphabet', () => {
    expect(taxIdProblem('911100001000113409')).toMatch(/check character/);
    expect(taxIdProblem('91350100M000100Y4')).toMatch(/18 characters/);
    expect(taxIdProblem('91350100M000100I43')).toMatch(/capital letters/);
    expect(taxIdProblem('91350100m000100y43')).toMatch(/capital letters/);
  });
});
