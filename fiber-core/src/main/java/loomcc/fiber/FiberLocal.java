package loomcc.fiber;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * A value per fiber, as a {@code ThreadLocal} is a value per thread. It survives suspension
 * whatever thread resumes the fiber, is isolated between fibers, and a fiber started inside
 * another starts with a copy of its starter's values (the values themselves are shared, not
 * cloned), as {@code InheritableThreadLocal} does for threads.
 *
 * <p>Threading: use it from inside a fiber; outside one, every method throws
 * {@link IllegalStateException}.
 */
public final class FiberLocal<T> {
    private final Supplier<? extends T> initial;

    /** A fiber-local whose value is null until set. */
    public FiberLocal() {
        this(() -> null);
    }

    private FiberLocal(Supplier<? extends T> initial) {
        this.initial = initial;
    }

    /** A fiber-local whose value, until set in a fiber, is what {@code initial} gives (asked once per fiber). */
    public static <T> FiberLocal<T> withInitial(Supplier<? extends T> initial) {
        return new FiberLocal<>(Objects.requireNonNull(initial, "initial"));
    }

    /** This fiber's value. */
    public T get() {
        Fiber<?> f = Fiber.requireCurrent("FiberLocal.get");
        if (f.hasLocal(this)) {
            @SuppressWarnings("unchecked")
            T v = (T) f.getLocal(this);
            return v;
        }
        T v = initial.get();
        f.setLocal(this, v);
        return v;
    }

    /** Sets this fiber's value. */
    public void set(T value) {
        Fiber.requireCurrent("FiberLocal.set").setLocal(this, value);
    }

    /** Forgets this fiber's value; the next {@link #get} asks the initial supplier again. */
    public void remove() {
        Fiber.requireCurrent("FiberLocal.remove").removeLocal(this);
    }
}
