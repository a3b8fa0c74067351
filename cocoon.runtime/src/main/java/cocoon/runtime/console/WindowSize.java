package cocoon.runtime.console;

import sun.misc.Signal;

/** SIGWINCH: the user's terminal changed size, so the guest's console should too. */
final class WindowSize {

    private WindowSize() {
    }

    static void onChange(Runnable action) {
        try {
            Signal.handle(new Signal("WINCH"), signal -> action.run());
        } catch (IllegalArgumentException unsupported) {
            // No SIGWINCH on this platform: the console keeps the size it had on attach.
        }
    }
}
