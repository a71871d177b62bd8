import { describe, expect, it } from 'vitest';
import { readLines } from './import.ts';

// The import reads its file as a stream of lines: pieces of any size, split anywhere.

async function linesOf(chunks: Buffer[]): Promise<string[]> {
  const lines: string[] = [];
  for await (const line of readLines((async function* () { yield* chunks; })())) lines.push(line);
  return lines;
}

describe('reading an export line by line', () => {
  it('joins lines split across pieces, characters split across pieces included', async () => {
    const text = Buffer.from('{"a":"é𝄞"}\n{"b":"Ünïcode"}\n\n{"c":1}');
    const whole = await linesOf([text]);
    expect(whole).toEqual(['{"a":"é𝄞"}', '{"b":"Ünïcode"}', '', '{"c":1}']);
    for (let size = 1; size <= 7; size++) {
      const pieces = Array.from({ length: Math.ceil(text.length / size) }, (_, index) => text.subarray(index * size, (index + 1) * size));
      expect(await linesOf(pieces), `pieces of ${size} bytes`).toEqual(whole);
    }
  });

  it('ends with the last line whether or not a newline follows it, and reads nothing from nothing', async () => {
    expect(await linesOf([Buffer.from('one\ntwo\n')])).toEqual(['one', 'two']);
    expect(await linesOf([])).toEqual([]);
  });
});
