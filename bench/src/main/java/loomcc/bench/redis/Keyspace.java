package loomcc.bench.redis;

import java.util.Arrays;
import java.util.HashMap;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The server's data: binary keys to binary values, in one {@link HashMap}.
 *
 * <p>Threading: not thread-safe by itself. The loop styles use it from their loop thread only; the
 * vthread style runs each command under {@link #lock()} (one lock for the whole keyspace, as
 * redis-server runs one command at a time).
 *
 * <p>A lookup does not copy the key: {@link Key#view} points a reusable key at the bytes in a
 * connection's input buffer ({@link HashMap#get} calls the argument's {@code equals}, so a view
 * finds a stored key). A stored key is a copy; a value is a holder, so a SET of a key that exists
 * replaces the bytes in place and allocates only the value.
 */
public final class Keyspace {
    private final HashMap<Key, Value> map = new HashMap<>();
    private final ReentrantLock lock = new ReentrantLock();

    /** The lock the vthread style holds around each command. */
    ReentrantLock lock() {
        return lock;
    }

    /** The value holder of {@code key}, or null. */
    Value get(Key key) {
        return map.get(key);
    }

    /** Sets {@code key} (a view: copied when the key is new) to {@code value} (kept, not copied). */
    void set(Key key, byte[] value) {
        Value v = map.get(key);
        if (v != null) {
            v.bytes = value;
        } else {
            map.put(key.copy(), new Value(value));
        }
    }

    /** Removes {@code key}; true if it was there. */
    boolean remove(Key key) {
        return map.remove(key) != null;
    }

    /** The number of keys. */
    public int size() {
        return map.size();
    }

    /** Removes every key. */
    void clear() {
        map.clear();
    }

    /** A value: the bytes, replaced in place by SET and INCR. */
    static final class Value {
        byte[] bytes;

        Value(byte[] bytes) {
            this.bytes = bytes;
        }
    }

    /**
     * A key: bytes {@code [off, off + len)} of {@code a}, with their hash. Stored keys own their
     * array (off 0); a view ({@link #view}) points into an input buffer and is only used for lookups.
     */
    static final class Key {
        byte[] a;
        int off;
        int len;
        int hash;

        /** Points this key at {@code a[off, off + len)}; returns it. */
        Key view(byte[] a, int off, int len) {
            this.a = a;
            this.off = off;
            this.len = len;
            int h = 1;
            for (int i = off, end = off + len; i < end; i++) {
                h = 31 * h + a[i];
            }
            this.hash = h;
            return this;
        }

        Key copy() {
            Key k = new Key();
            k.a = Arrays.copyOfRange(a, off, off + len);
            k.off = 0;
            k.len = len;
            k.hash = hash;
            return k;
        }

        @Override
        public int hashCode() {
            return hash;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && k.hash == hash
                    && Arrays.equals(a, off, off + len, k.a, k.off, k.off + k.len);
        }
    }
}
