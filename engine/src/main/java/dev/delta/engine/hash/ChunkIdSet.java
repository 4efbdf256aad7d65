package dev.delta.engine.hash;

/**
 * A set of chunk ids over primitive arrays (open addressing, linear probing): no object or
 * boxing per id, ~32 bytes an id at the maximum load factor.
 */
public final class ChunkIdSet {
    private long[] his;
    private long[] los;
    private boolean[] used;
    private int mask;
    private int size;

    public ChunkIdSet() {
        this(1024);
    }

    public ChunkIdSet(int expected) {
        int cap = Integer.highestOneBit(Math.max(16, expected) * 2 - 1) << 1;
        allocate(cap);
    }

    private void allocate(int cap) {
        his = new long[cap];
        los = new long[cap];
        used = new boolean[cap];
        mask = cap - 1;
    }

    /** Adds an id; returns true when it was not present. */
    public boolean add(long hi, long lo) {
        if ((size + 1) * 2 > used.length) {
            grow();
        }
        int slot = slot(hi, lo);
        while (used[slot]) {
            if (his[slot] == hi && los[slot] == lo) {
                return false;
            }
            slot = (slot + 1) & mask;
        }
        used[slot] = true;
        his[slot] = hi;
        los[slot] = lo;
        size++;
        return true;
    }

    public boolean contains(long hi, long lo) {
        int slot = slot(hi, lo);
        while (used[slot]) {
            if (his[slot] == hi && los[slot] == lo) {
                return true;
            }
            slot = (slot + 1) & mask;
        }
        return false;
    }

    public int size() {
        return size;
    }

    private int slot(long hi, long lo) {
        long h = lo ^ (hi * 0x9E3779B97F4A7C15L); // fold both halves: crafted ids sharing one half don't all collide
        return (int) (h ^ (h >>> 32)) & mask;
    }

    private void grow() {
        long[] oh = his;
        long[] ol = los;
        boolean[] ou = used;
        allocate(used.length * 2);
        for (int i = 0; i < ou.length; i++) {
            if (ou[i]) {
                int slot = slot(oh[i], ol[i]);
                while (used[slot]) {
                    slot = (slot + 1) & mask;
                }
                used[slot] = true;
                his[slot] = oh[i];
                los[slot] = ol[i];
            }
        }
    }
}
