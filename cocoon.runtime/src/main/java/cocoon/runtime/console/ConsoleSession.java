package cocoon.runtime.console;

import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.CompletableFuture;

/**
 * One attachment to a VM console: relays the user's input through the escape filter to the guest
 * and the guest's output to stdout, until the user disconnects, stdin ends (after a short drain),
 * or the hypervisor closes the PTY. One session per VM at a time.
 */
public final class ConsoleSession {

    /** After stdin ends, wait for this long a quiet console before leaving. */
    private static final long DRAIN_QUIET_MILLIS = 1500;

    private static final long DRAIN_MAX_MILLIS = 30_000;
    private static final int POLL_MILLIS = 100;

    private final Path consolePath;
    private final Path lockFile;
    private final EscapeFilter escapes;
    private final String vmName;
    private final CompletableFuture<String> end = new CompletableFuture<>();
    private volatile long lastOutput = System.currentTimeMillis();

    public ConsoleSession(Path consolePath, Path lockFile, EscapeFilter escapes, String vmName) {
        this.consolePath = consolePath;
        this.lockFile = lockFile;
        this.escapes = escapes;
        this.vmName = vmName;
    }

    public void attach() {
        try (FileChannel lockChannel =
                FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            FileLock lock = lockChannel.tryLock();
            if (lock == null) {
                throw new ConflictException(
                        "the console of VM " + vmName + " is already attached in another session",
                        "leave that session (~.) or use it");
            }
            relay();
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot lock the console of VM " + vmName + ": " + e.getMessage(),
                    "check that the VM is running (cocoon ps)");
        }
    }

    private void relay() {
        PrintStream err = System.err;
        try (GuestConsole guest = GuestConsole.open(consolePath);
                UserTerminal terminal = UserTerminal.rawIfTerminal()) {
            String eol = terminal.raw() ? "\r\n" : "\n";
            if (terminal.raw()) {
                err.print("Connected to " + vmName + ". "
                        + (escapes.enabled()
                                ? "Type " + escapes.character() + ". at the start of a line to leave, "
                                        + escapes.character() + "? for help."
                                : "Escapes are off; close the terminal to leave.")
                        + eol);
                err.flush();
                guest.resize(terminal.size());
                WindowSize.onChange(() -> guest.resize(terminal.size()));
            }
            Thread output = Thread.ofPlatform().daemon().name("console-out").start(() -> pump(guest));
            Thread.ofPlatform()
                    .daemon()
                    .name("console-in")
                    .start(() -> feed(guest, terminal, terminal.raw() ? err : null));
            String reason = end.join();
            output.interrupt();
            if (terminal.raw() || !reason.isEmpty()) {
                err.print(eol + reason + eol);
                err.flush();
            }
        }
    }

    private void pump(GuestConsole guest) {
        byte[] buffer = new byte[8192];
        PrintStream out = System.out;
        while (!end.isDone()) {
            int n = guest.read(buffer, POLL_MILLIS);
            if (n == GuestConsole.CLOSED) {
                out.flush();
                end.complete("[console closed: VM " + vmName + " stopped]");
                return;
            }
            if (n > 0) {
                out.write(buffer, 0, n);
                out.flush();
                lastOutput = System.currentTimeMillis();
            }
        }
    }

    private void feed(GuestConsole guest, UserTerminal terminal, PrintStream helpOut) {
        byte[] buffer = new byte[4096];
        try {
            while (!end.isDone()) {
                int n = terminal.read(buffer, POLL_MILLIS);
                if (n == 0) {
                    continue;
                }
                if (n < 0) {
                    drain();
                    return;
                }
                EscapeFilter.Result result = escapes.filter(buffer, n);
                if (result.toGuest().length > 0) {
                    guest.write(result.toGuest());
                }
                if (result.help() && helpOut != null) {
                    helpOut.print(escapes.helpText());
                    helpOut.flush();
                }
                if (result.disconnect()) {
                    end.complete("[disconnected from " + vmName + "]");
                    return;
                }
            }
        } catch (CocoonException e) {
            end.complete("[console closed: " + e.getMessage() + "]");
        }
    }

    /** Stdin ended (a script piped its input): let the guest answer, then leave once it is quiet. */
    private void drain() {
        long started = System.currentTimeMillis();
        lastOutput = Math.max(lastOutput, started);
        while (!end.isDone()
                && System.currentTimeMillis() - lastOutput < DRAIN_QUIET_MILLIS
                && System.currentTimeMillis() - started < DRAIN_MAX_MILLIS) {
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        end.complete("");
    }
}
