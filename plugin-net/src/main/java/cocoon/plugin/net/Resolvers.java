package cocoon.plugin.net;

import cocoon.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The name servers a bridge guest is told to use. */
final class Resolvers {

    /** The {@code [network] dns} word that means: the host's own upstream resolvers. */
    static final String HOST = "host";

    /** The {@code [network] dns} word that means: tell guests no name server (settings are never empty text). */
    static final String NONE = "none";

    private static final List<Path> HOST_FILES =
            List.of(Path.of("/etc/resolv.conf"), Path.of("/run/systemd/resolve/resolv.conf"));

    private Resolvers() {}

    /** {@code host}, {@code none}, or addresses separated by commas or spaces. */
    static List<String> of(String setting) {
        if (setting.strip().equals(HOST)) {
            return upstream(HOST_FILES);
        }
        if (setting.strip().equals(NONE)) {
            return List.of();
        }
        List<String> servers = List.of(setting.strip().split("[,\\s]+")).stream()
                .filter(word -> !word.isEmpty())
                .toList();
        for (String server : servers) {
            if (Subnet.addressOf(server).isEmpty()) {
                throw new InvalidInputException(
                        "[network] dns '" + server + "' is not an IPv4 address",
                        "write \"host\" for the host's resolvers, \"none\", or IPv4 addresses separated by commas");
            }
        }
        return servers;
    }

    /**
     * The IPv4 name servers of the first file that names any but a {@code 127.x} stub, which a guest cannot
     * reach; systemd-resolved keeps the real ones in its second file.
     */
    static List<String> upstream(List<Path> files) {
        for (Path file : files) {
            List<String> servers = nameServers(file);
            if (!servers.isEmpty()) {
                return servers;
            }
        }
        return List.of();
    }

    private static List<String> nameServers(Path file) {
        try {
            return Files.readAllLines(file).stream()
                    .map(String::strip)
                    .filter(line -> line.startsWith("nameserver"))
                    .map(line -> line.substring("nameserver".length()).strip())
                    .filter(address -> Subnet.addressOf(address).isPresent() && !address.startsWith("127."))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }
}
