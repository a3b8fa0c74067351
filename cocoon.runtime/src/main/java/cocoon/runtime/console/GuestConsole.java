package cocoon.runtime.console;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The VM's end of a console: the slave side of a PTY the hypervisor holds the master of, opened raw, or a Unix
 * socket the hypervisor serves (QEMU's). Both are one file descriptor, read and written alike.
 */
final class GuestConsole implements AutoCloseable {

    /** Returned by {@link #read} when nothing arrived within the poll interval. */
    static final int NOTHING_YET = 0;
    /** Returned by {@link #read} when the hypervisor closed its side: the VM stopped or died. */
    static final int CLOSED = -1;

    private static final int FILE_TYPE = 0170000;
    private static final int SOCKET = 0140000;

    private final int fd;

    private GuestConsole(int fd) {
        this.fd = fd;
    }

    static GuestConsole open(Path path) {
        try {
            boolean socket = ((Integer) Files.getAttribute(path, "unix:mode") & FILE_TYPE) == SOCKET;
            return new GuestConsole(socket ? connect(path) : openRaw(path));
        } catch (IOException | LastErrorException e) {
            throw new ConflictException(
                    "cannot open the console " + path + ": " + e.getMessage(),
                    "the VM may have stopped; check cocoon ps");
        }
    }

    private static int connect(Path path) {
        LibC.SockaddrUn address = new LibC.SockaddrUn();
        address.sun_family = LibC.AF_UNIX;
        // The hypervisor bound this path, so it fits; the zeroed rest ends it.
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        System.arraycopy(name, 0, address.sun_path, 0, name.length);
        int fd = LibC.INSTANCE.socket(LibC.AF_UNIX, LibC.SOCK_STREAM | LibC.SOCK_CLOEXEC, 0);
        try {
            LibC.INSTANCE.connect(fd, address, address.size());
        } catch (LastErrorException e) {
            LibC.INSTANCE.close(fd);
            throw e;
        }
        return fd;
    }

    private static int openRaw(Path path) {
        int fd = LibC.INSTANCE.open(path.toString(), LibC.O_RDWR | LibC.O_NOCTTY | LibC.O_CLOEXEC);
        LibC.Termios raw = new LibC.Termios();
        LibC.INSTANCE.tcgetattr(fd, raw);
        LibC.INSTANCE.cfmakeraw(raw);
        LibC.INSTANCE.tcsetattr(fd, LibC.TCSANOW, raw);
        return fd;
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
                // A console that cannot take a size (a socket, not a PTY) just keeps its own.
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
