import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { isFieldViolation, parseNanpNumber } from '../src/domain/phone-number.js';

const FIRST_AREA_CODE = 201;
const LAST_AREA_CODE = 989;
const FIRST_EXCHANGE = 200;
const LAST_EXCHANGE = 999;
/** Exchange 555 contains the sandbox magic numbers (NXX-555-01XX), which force failures. */
const SKIPPED_EXCHANGE = 555;
const LINES_PER_EXCHANGE = 10_000;

/**
 * Hands out unique US numbers in ascending order that numberhost imports as ordinary
 * local numbers. They use area codes 201-989 without the toll-free codes and exchanges
 * 200-999 without 555. Only area code and exchange blocks that libphonenumber (max
 * metadata) and numberhost's own parser accept as US numbers are used. Each block is
 * checked once, so `next()` is cheap enough to call from an autocannon request hook.
 */
export class UsNumberSource {
  private areaCode = FIRST_AREA_CODE;
  private exchange = FIRST_EXCHANGE;
  private line = 0;
  private isBlockUsable: boolean | undefined;

  next(): string {
    for (;;) {
      if (this.line >= LINES_PER_EXCHANGE) {
        this.advanceBlock();
      }
      this.isBlockUsable ??= isUsableBlock(this.areaCode, this.exchange);
      if (!this.isBlockUsable) {
        this.advanceBlock();
        continue;
      }
      const number = `+1${this.areaCode}${this.exchange}${String(this.line).padStart(4, '0')}`;
      this.line += 1;
      return number;
    }
  }

  /** Returns the next `count` numbers. */
  take(count: number): string[] {
    return Array.from({ length: count }, () => this.next());
  }

  private advanceBlock(): void {
    this.line = 0;
    this.isBlockUsable = undefined;
    this.exchange += 1;
    if (this.exchange === SKIPPED_EXCHANGE) {
      this.exchange += 1;
    }
    if (this.exchange > LAST_EXCHANGE) {
      this.exchange = FIRST_EXCHANGE;
      this.areaCode += 1;
    }
    if (this.areaCode > LAST_AREA_CODE) {
      throw new Error(`UsNumberSource ran out of numbers after area code ${LAST_AREA_CODE}.`);
    }
  }
}

function isUsableBlock(areaCode: number, exchange: number): boolean {
  return [0, LINES_PER_EXCHANGE - 1].every((line) => {
    const number = `+1${areaCode}${exchange}${String(line).padStart(4, '0')}`;
    const metadata = parsePhoneNumberFromString(number);
    const parsed = parseNanpNumber(number, 'phoneNumber', 'US');
    return metadata?.isValid() === true && metadata.country === 'US' && !isFieldViolation(parsed) && !parsed.isTollFree;
  });
}
