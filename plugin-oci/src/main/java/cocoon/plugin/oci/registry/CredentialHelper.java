package cocoon.plugin.oci.registry;

import cocoon.api.CocoonException;
import cocoon.api.Processes;
import cocoon.api.ToolException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A docker credential helper ({@code docker-credential-<name>}), spoken to as docker does: {@code get}
 * with the server address on stdin, answered by {@code {"Username":…,"Secret":…}} on stdout.
 */
final class CredentialHelper {

    /** A helper may wait for a keychain to unlock; longer than this and the user is better told. */
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    /** Processes gives programs no stdin, so a fixed script feeds the address; both stay parameters, never parsed. */
    private static final String FEED_SERVER_ON_STDIN = "printf '%s' \"$1\" | exec \"$0\" get";

    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private final Processes processes;
    private final String program;
    private final String searchPath;
    private final String origin;

    /**
     * @param name       the suffix after {@code docker-credential-}
     * @param searchPath the PATH the helper is looked for on (the user's), or null for the usual folders
     * @param origin     where the helper is named, e.g. {@code credsStore in /root/.docker/config.json}
     */
    CredentialHelper(Processes processes, String name, String searchPath, String origin) {
        this.processes = processes;
        this.program = "docker-credential-" + name;
        this.searchPath = searchPath == null || searchPath.isBlank() ? DEFAULT_PATH : searchPath;
        this.origin = origin;
    }

    /** The helper's credentials for {@code server}; none when it has none stored. */
    Optional<RegistryCredential> get(String server) {
        Path executable = locate().orElseThrow(() -> new CocoonException(
                program + " (named by " + origin + ") is not installed",
                "install it or put it on PATH, or remove it from that file"));
        Processes.Result answer;
        try {
            answer = processes.runAllowingFailure(
                    List.of("sh", "-c", FEED_SERVER_ON_STDIN, executable.toString(), server), TIMEOUT);
        } catch (ToolException e) {
            throw new CocoonException(
                    "credential helper " + program + " failed for " + server + ": " + e.getMessage(),
                    "check it with: printf %s " + server + " | " + program + " get");
        }
        String said = (answer.stdout() + " " + answer.stderr()).strip();
        if (answer.exitCode() != 0) {
            if (said.toLowerCase(Locale.ROOT).contains("credentials not found")) {
                return Optional.empty();
            }
            throw new CocoonException(
                    "credential helper " + program + " failed for " + server + " (exit " + answer.exitCode() + "): "
                            + said.replaceAll("\\s*\\n\\s*", " | "),
                    "check it with: printf %s " + server + " | " + program + " get");
        }
        JsonNode json;
        try {
            json = new ObjectMapper().readTree(answer.stdout());
        } catch (JsonProcessingException e) {
            json = null;
        }
        if (json == null || !json.isObject()) {
            throw new CocoonException(
                    "credential helper " + program + " answered " + server + " with something other than JSON",
                    "check it with: printf %s " + server + " | " + program + " get");
        }
        String username = json.path("Username").asText("");
        String secret = json.path("Secret").asText("");
        return secret.isEmpty()
                ? Optional.empty()
                : Optional.of(
                        new RegistryCredential(username, secret, "credential helper " + program + " (" + origin + ")"));
    }

    private Optional<Path> locate() {
        for (String dir : searchPath.split(":", -1)) {
            if (!dir.isEmpty()) {
                Optional<Path> found = processes.which(Path.of(dir, program).toString());
                if (found.isPresent()) {
                    return found;
                }
            }
        }
        return Optional.empty();
    }
}
