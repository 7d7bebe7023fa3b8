/**
 * The next free slot of a box: the smallest positive slot number that no product inside the box
 * uses (1 for an empty box). A slot is reused once its product has left, as in the original system.
 */
export function nextFreeSlot(usedSorted: readonly number[]): number {
  let candidate = 1;
  for (const slot of usedSorted) {
    if (slot === candidate) candidate += 1;
    else if (slot > candidate) break;
  }
  return candidate;
}

/** Next free slot of every box 1..boxCount, from the (box, slot) pairs in use. */
export function nextFreeSlots(boxCount: number, used: ReadonlyArray<{ box: number; slot: number }>): Array<{ box: number; nextSlot: number }> {
  const byBox = new Map<number, number[]>();
  for (const { box, slot } of used) {
    const list = byBox.get(box) ?? [];
    list.push(slot);
    byBox.set(box, list);
  }
  const out: Array<{ box: number; nextSlot: number }> = [];
  for (let box = 1; box <= boxCount; box += 1) {
    const slots = (byBox.get(box) ?? []).sort((a, b) => a - b);
    out.push({ box, nextSlot: nextFreeSlot(slots) });
  }
  return out;
}
