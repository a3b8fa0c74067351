package cocoon.runtime.console;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import com.sun.jna.LastErrorException;
import java.nio.file.Path;

/** The VM's console PTY (the slave side; the hypervisor holds the master), opened raw. */
final class Pty implements AutoCloseable {

    /** Returned by {@link #read} when nothing arrived within the poll interval. */
    static final int NOTHING_YET = 0;
    /** Returned by {@link #read} when the hypervisor closed its side: the VM stopped or died. */
    static final int CLOSED = -1;

    private final int fd;

    private Pty(int fd) {
        this.fd = fd;
    }

    static Pty open(Path path) {
        int fd;
        try {
            fd = LibC.INSTANCE.open(path.toString(), LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        } catch (LastErrorException e) {
            throw new ConflictException(
                    "cannot open the console " + path + ": " + e.getMessage(),
                    "the VM may have stopped; check cocoon ps");
        }
        LibC.Termios raw = new LibC.Termios();
        LibC.INSTANCE.tcgetattr(fd, raw);
        LibC.INSTANCE.cfmakeraw(raw);
        LibC.INSTANCE.tcsetattr(fd, LibC.TCSANOW, raw);
        return new Pty(fd);
    }

    /** Waits up to {@code millis} for guest output; returns bytes read, {@link #NOTHING_YET} or {@link #CLOSED}. */
    int read(byte[] buffer, int millis) {
        LibC.PollFd poll = new LibC.PollFd();
        poll.fd = fd;
        poll.events = LibC.POLLIN;
        try {
            if (LibC.INSTANCE.poll(poll, 1, millis) == 0) {
                return NOTHING_YET;
            }
            poll.read();
            if ((poll.revents & LibC.POLLIN) == 0 && (poll.revents & (LibC.POLLHUP | LibC.POLLERR)) != 0) {
                return CLOSED;
            }
            int n = LibC.INSTANCE.read(fd, buffer, buffer.length);
            return n <= 0 ? CLOSED : n;
        } catch (LastErrorException e) {
            return e.getErrorCode() == 4 ? NOTHING_YET : CLOSED;
        }
    }

    void write(byte[] data) {
        byte[] rest = data;
        while (rest.length > 0) {
            int n;
            try {
                n = LibC.INSTANCE.write(fd, rest, rest.length);
            } catch (LastErrorException e) {
                if (e.getErrorCode() == 4 || e.getErrorCode() == 11) {
                    continue;
                }
                throw new CocoonException(
                        "console closed while writing: " + e.getMessage(), "the VM stopped; check cocoon ps");
            }
            rest = java.util.Arrays.copyOfRange(rest, n, rest.length);
        }
    }

    void resize(LibC.Winsize size) {
        if (size != null) {
            try {
                LibC.INSTANCE.ioctl(fd, LibC.TIOCSWINSZ, size);
            } catch (LastErrorException ignored) {
                // A console that cannot take a size (a log, not a PTY) just keeps its own.
            }
        }
    }

    @Override
    public void close() {
        try {
            LibC.INSTANCE.close(fd);
        } catch (LastErrorException ignored) {
            // Already closed by the hypervisor going away.
        }
    }
}
