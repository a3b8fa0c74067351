package cocoon.runtime.console;

/**
 * The user's terminal on stdin: switched to raw mode while attached and restored on every way out,
 * including a JVM shutdown by signal. Without a terminal (pipes) it does nothing.
 */
final class UserTerminal implements AutoCloseable {

    private static final int STDIN = 0;

    private final LibC.Termios saved;
    private final Thread restoreOnExit;

    private UserTerminal(LibC.Termios saved) {
        this.saved = saved;
        this.restoreOnExit = new Thread(this::restore, "cocoon-terminal-restore");
    }

    static boolean isTerminal() {
        return LibC.INSTANCE.isatty(STDIN) == 1;
    }

    /** Enters raw mode if stdin is a terminal. */
    static UserTerminal rawIfTerminal() {
        if (!isTerminal()) {
            return new UserTerminal(null);
        }
        LibC.Termios original = new LibC.Termios();
        LibC.INSTANCE.tcgetattr(STDIN, original);
        LibC.Termios raw = new LibC.Termios();
        LibC.INSTANCE.tcgetattr(STDIN, raw);
        LibC.INSTANCE.cfmakeraw(raw);
        UserTerminal terminal = new UserTerminal(original);
        Runtime.getRuntime().addShutdownHook(terminal.restoreOnExit);
        LibC.INSTANCE.tcsetattr(STDIN, LibC.TCSANOW, raw);
        return terminal;
    }

    boolean raw() {
        return saved != null;
    }

    /** The terminal's window size, or null without a terminal. */
    LibC.Winsize size() {
        if (saved == null) {
            return null;
        }
        LibC.Winsize size = new LibC.Winsize();
        LibC.INSTANCE.ioctl(STDIN, LibC.TIOCGWINSZ, size);
        return size;
    }

    private synchronized void restore() {
        if (saved != null) {
            LibC.INSTANCE.tcsetattr(STDIN, LibC.TCSANOW, saved);
        }
    }

    @Override
    public void close() {
        restore();
        if (saved != null) {
            try {
                Runtime.getRuntime().removeShutdownHook(restoreOnExit);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running or ran already; the terminal is restored either way.
            }
        }
    }
}
