package cocoon.runtime.console;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * SIGWINCH: the user's terminal changed size, so the guest's console should too. The JDK has no public
 * API for it; sun.misc.Signal (module jdk.unsupported) is reached by reflection because javac warns at
 * every compile-time use of it under --release, with no way to suppress that warning.
 */
final class WindowSize {

    private WindowSize() {}

    static void onChange(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object onSignal = Proxy.newProxyInstance(
                    WindowSize.class.getClassLoader(),
                    new Class<?>[] {handler},
                    (proxy, method, args) -> answer(proxy, method, args, action));
            Method handle = signal.getMethod("handle", signal, handler);
            handle.invoke(null, signal.getConstructor(String.class).newInstance("WINCH"), onSignal);
        } catch (InvocationTargetException e) {
            if (!(e.getCause() instanceof IllegalArgumentException)) {
                throw e.getCause() instanceof RuntimeException runtime
                        ? runtime
                        : new IllegalStateException(e.getCause());
            }
            // No SIGWINCH on this platform: the console keeps the size it had on attach.
        } catch (ReflectiveOperationException e) {
            // No sun.misc.Signal in this JDK: the console keeps the size it had on attach.
        }
    }

    /** The handler's one method runs the action; Object's methods answer as for any other object. */
    @SuppressWarnings("ReferenceEquality") // a handler equals only itself, as Object.equals does
    private static Object answer(Object proxy, Method method, Object[] args, Runnable action) {
        return switch (method.getName()) {
            case "handle" -> {
                action.run();
                yield null;
            }
            case "equals" -> proxy == args[0];
            case "hashCode" -> System.identityHashCode(proxy);
            default -> "SIGWINCH handler";
        };
    }
}
