package cocoon.runtime.console;

import com.sun.jna.LastErrorException;

/**
 * The user's side of a console on stdin: read with a timeout; a terminal is switched to raw mode
 * while attached and restored on every way out, including a JVM shutdown by signal. A pipe is only read.
 */
final class UserTerminal implements AutoCloseable {

    private static final int STDIN = 0;
    private static final int EINTR = 4;
    private static final int EAGAIN = 11;

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

    /**
     * Waits up to {@code millis} for the user's input; returns the bytes read, 0 when none came, -1 at
     * its end. Polling instead of a blocking read means nothing is read once the session ended: the
     * line a user types right after the console closed goes to their shell, not to a dead session.
     */
    int read(byte[] buffer, int millis) {
        LibC.PollFd poll = new LibC.PollFd();
        poll.fd = STDIN;
        poll.events = LibC.POLLIN;
        try {
            if (LibC.INSTANCE.poll(poll, 1, millis) == 0) {
                return 0;
            }
            int n = LibC.INSTANCE.read(STDIN, buffer, buffer.length);
            return n == 0 ? -1 : n;
        } catch (LastErrorException e) {
            return e.getErrorCode() == EINTR || e.getErrorCode() == EAGAIN ? 0 : -1;
        }
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
