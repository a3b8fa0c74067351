package cocoon.runtime.console;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Structure;

/** The few libc calls a console needs: terminal modes, window size, a Unix socket, and raw reads and writes. */
interface LibC extends Library {

    LibC INSTANCE = Native.load("c", LibC.class);

    int O_RDWR = 2;
    int O_NOCTTY = 0x100;
    int O_CLOEXEC = 0x80000;
    int TCSANOW = 0;
    long TIOCGWINSZ = 0x5413;
    long TIOCSWINSZ = 0x5414;
    short POLLIN = 0x1;
    short POLLERR = 0x8;
    short POLLHUP = 0x10;
    short AF_UNIX = 1;
    int SOCK_STREAM = 1;
    int SOCK_CLOEXEC = 0x80000;

    /** {@code struct termios} on Linux. */
    @Structure.FieldOrder({"c_iflag", "c_oflag", "c_cflag", "c_lflag", "c_line", "c_cc", "c_ispeed", "c_ospeed"})
    class Termios extends Structure {
        public int c_iflag;
        public int c_oflag;
        public int c_cflag;
        public int c_lflag;
        public byte c_line;
        public byte[] c_cc = new byte[32];
        public int c_ispeed;
        public int c_ospeed;
    }

    /** {@code struct winsize}. */
    @Structure.FieldOrder({"ws_row", "ws_col", "ws_xpixel", "ws_ypixel"})
    class Winsize extends Structure {
        public short ws_row;
        public short ws_col;
        public short ws_xpixel;
        public short ws_ypixel;
    }

    /** {@code struct pollfd}. */
    @Structure.FieldOrder({"fd", "events", "revents"})
    class PollFd extends Structure {
        public int fd;
        public short events;
        public short revents;
    }

    /** {@code struct sockaddr_un}. */
    @Structure.FieldOrder({"sun_family", "sun_path"})
    class SockaddrUn extends Structure {
        public short sun_family;
        public byte[] sun_path = new byte[108];
    }

    int isatty(int fd);

    int tcgetattr(int fd, Termios termios) throws LastErrorException;

    int tcsetattr(int fd, int action, Termios termios) throws LastErrorException;

    void cfmakeraw(Termios termios);

    int ioctl(int fd, long request, Winsize size) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int connect(int fd, SockaddrUn address, int length) throws LastErrorException;

    int read(int fd, byte[] buffer, long count) throws LastErrorException;

    int write(int fd, byte[] buffer, long count) throws LastErrorException;

    int poll(PollFd fds, int count, int timeoutMillis) throws LastErrorException;
}
