package cocoon.plugin.net;

import cocoon.api.PublishedPort;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which process holds a host port, as far as {@code /proc} tells: the port's sockets (with their inodes) in
 * {@code net/tcp}, {@code net/tcp6}, {@code net/udp} or {@code net/udp6}, then the process that has one of those
 * sockets among its descriptors. Best effort: without root only one's own processes' descriptors can be read.
 */
final class PortHolders {

    /** {@code st} of a listening TCP socket in {@code /proc/net/tcp}. */
    private static final String LISTEN = "0A";

    private final Path proc;

    PortHolders(Path proc) {
        this.proc = proc;
    }

    static PortHolders system() {
        return new PortHolders(Path.of("/proc"));
    }

    /** {@code python3 (pid 4242)}, or empty when no readable process holds a socket of that port. */
    Optional<String> of(PublishedPort port) {
        List<String> sockets = socketsOn(port);
        if (sockets.isEmpty()) {
            return Optional.empty();
        }
        try (DirectoryStream<Path> processes = Files.newDirectoryStream(proc, "[0-9]*")) {
            for (Path process : processes) {
                if (holdsAny(process, sockets)) {
                    return Optional.of(comm(process) + " (pid " + process.getFileName() + ")");
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** {@code socket:[inode]}, as a descriptor's link reads, of each socket bound to the port (listening, for TCP). */
    private List<String> socketsOn(PublishedPort port) {
        boolean tcp = port.protocol() == PublishedPort.Protocol.TCP;
        List<String> sockets = new ArrayList<>();
        for (String table : tcp ? List.of("tcp", "tcp6") : List.of("udp", "udp6")) {
            List<String> lines;
            try {
                lines = Files.readAllLines(proc.resolve("net").resolve(table));
            } catch (IOException e) {
                continue;
            }
            // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String[] fields = line.strip().split("\\s+", -1);
                if (fields.length < 10) {
                    continue;
                }
                String local = fields[1];
                int port16 = Integer.parseInt(local.substring(local.lastIndexOf(':') + 1), 16);
                if (port16 == port.hostPort() && (!tcp || fields[3].equals(LISTEN)) && !fields[9].equals("0")) {
                    sockets.add("socket:[" + fields[9] + "]");
                }
            }
        }
        return sockets;
    }

    private static boolean holdsAny(Path process, List<String> sockets) {
        try (DirectoryStream<Path> descriptors = Files.newDirectoryStream(process.resolve("fd"))) {
            for (Path descriptor : descriptors) {
                try {
                    if (sockets.contains(Files.readSymbolicLink(descriptor).toString())) {
                        return true;
                    }
                } catch (IOException closedMeanwhile) {
                    // the descriptor was closed since the listing: not the holder
                }
            }
        } catch (IOException | SecurityException notOurs) {
            // another user's process, or one that ended: its descriptors cannot be read
        }
        return false;
    }

    private static String comm(Path process) {
        try {
            return Files.readString(process.resolve("comm")).strip();
        } catch (IOException e) {
            return "a process";
        }
    }
}
