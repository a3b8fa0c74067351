package cocoon.plugin.cloudimage.disk;

import cocoon.api.InvalidInputException;
import cocoon.api.Nic;
import cocoon.api.VmNetwork;
import cocoon.api.VmSpec;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The NoCloud files: {@code meta-data} (instance id, host name), {@code user-data} (a #cloud-config that
 * creates the login user) and, for a VM with a network card, {@code network-config} (its static address,
 * gateway and name servers, DESIGN §5a). Every value is written as a YAML double-quoted string, so no
 * password or key can break out of its field.
 */
record CloudConfig(String instanceId, String hostname, VmSpec.CloudInit login, VmNetwork network) {

    private static final Pattern USER_NAME = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

    CloudConfig {
        if (login != null && !USER_NAME.matcher(login.user()).matches()) {
            throw new InvalidInputException(
                    "user name \"" + login.user() + "\" is not a valid Linux login",
                    "use lower-case letters, digits, '-' and '_', starting with a letter, at most 32 characters");
        }
    }

    String metaData() {
        return "instance-id: " + quote(instanceId) + "\n" + "local-hostname: " + quote(hostname) + "\n";
    }

    String userData() {
        StringBuilder yaml = new StringBuilder("#cloud-config\n");
        if (login != null) {
            appendLogin(yaml);
        }
        List<String> dns = nameServers();
        if (!dns.isEmpty()) {
            // cloud-init 22.4 hands the name servers to ifupdown as dns-nameservers, which only the resolvconf
            // package turns into /etc/resolv.conf; its resolv_conf module is off on Debian (not in the module list
            // of Debian's cloud.cfg, nor among the module's distros). write_files reaches the file on any distro.
            yaml.append("write_files:\n")
                    .append("  - path: ")
                    .append(quote("/etc/resolv.conf"))
                    .append('\n')
                    .append("    permissions: ")
                    .append(quote("0644"))
                    .append('\n')
                    .append("    content: ")
                    .append(quote(dns.stream()
                            .map(server -> "nameserver " + server + "\n")
                            .collect(Collectors.joining())))
                    .append('\n');
        }
        return yaml.toString();
    }

    /**
     * The {@code network-config} file, version 2: each card matched by its MAC and named {@code eth0},
     * {@code eth1}... in order (with {@code set-name}, cloud-init waits for the card to appear and keeps the name
     * across boots). {@code gateway4}, as cloud-init 22.4 does not read {@code routes: - to: default}. Empty for
     * a VM without a card: cloud-init then leaves the network as the image has it.
     */
    Optional<String> networkConfig() {
        List<Nic> nics = network.nics();
        if (nics.isEmpty()) {
            return Optional.empty();
        }
        StringBuilder yaml = new StringBuilder("version: 2\nethernets:\n");
        for (int i = 0; i < nics.size(); i++) {
            Nic nic = nics.get(i);
            String name = "eth" + i;
            yaml.append("  ")
                    .append(name)
                    .append(":\n")
                    .append("    match:\n")
                    .append("      macaddress: ")
                    .append(quote(nic.mac().toLowerCase(Locale.ROOT)))
                    .append('\n')
                    .append("    set-name: ")
                    .append(quote(name))
                    .append('\n')
                    .append("    addresses:\n")
                    .append("      - ")
                    .append(quote(nic.cidr()))
                    .append('\n');
            if (!nic.gateway().isEmpty()) {
                yaml.append("    gateway4: ").append(quote(nic.gateway())).append('\n');
            }
            if (!nic.dns().isEmpty()) {
                yaml.append("    nameservers:\n").append("      addresses:\n");
                nic.dns()
                        .forEach(server ->
                                yaml.append("        - ").append(quote(server)).append('\n'));
            }
        }
        return Optional.of(yaml.toString());
    }

    /** Every card's name servers, each once, in the order the cards give them. */
    private List<String> nameServers() {
        return network.nics().stream()
                .flatMap(nic -> nic.dns().stream())
                .distinct()
                .toList();
    }

    private void appendLogin(StringBuilder yaml) {
        yaml.append("users:\n")
                .append("  - name: ")
                .append(quote(login.user()))
                .append('\n')
                .append("    shell: /bin/bash\n")
                .append("    sudo: ")
                .append(quote("ALL=(ALL) NOPASSWD:ALL"))
                .append('\n');
        if (login.password() != null) {
            // An unlocked password is what makes the console login work.
            yaml.append("    lock_passwd: false\n")
                    .append("    plain_text_passwd: ")
                    .append(quote(login.password()))
                    .append('\n');
        }
        if (!login.sshAuthorizedKeys().isEmpty()) {
            yaml.append("    ssh_authorized_keys:\n");
            for (String key : login.sshAuthorizedKeys()) {
                yaml.append("      - ").append(quote(key.strip())).append('\n');
            }
        }
        yaml.append("chpasswd:\n  expire: false\n");
    }

    /** A YAML double-quoted scalar. */
    static String quote(String value) {
        StringBuilder out = new StringBuilder("\"");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }
}
