package cocoon.plugin.cloudimage.disk;

import cocoon.api.InvalidInputException;
import cocoon.api.VmSpec;
import java.util.regex.Pattern;

/**
 * The two NoCloud files: {@code meta-data} (instance id, host name) and {@code user-data} (a
 * #cloud-config that creates the login user). Every value is written as a YAML double-quoted
 * string, so no password or key can break out of its field.
 */
record CloudConfig(String instanceId, String hostname, VmSpec.CloudInit login) {

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
        if (login == null) {
            return yaml.toString();
        }
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
        return yaml.toString();
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
