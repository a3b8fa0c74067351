package cocoon.plugin.oci.registry;

import cocoon.api.CocoonException;
import cocoon.api.Processes;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The credentials docker and skopeo would use for a registry, read from the same place:
 * {@code $DOCKER_CONFIG/config.json} when {@code DOCKER_CONFIG} is set, else {@code ~/.docker/config.json}.
 * A per-registry helper ({@code credHelpers}) comes first, as in docker; then an inline entry of
 * {@code auths} ({@code auth}, {@code username}/{@code password} or {@code identitytoken}); then the
 * default helper ({@code credsStore}). Docker would ask {@code credsStore} before an inline entry, but
 * with a store it writes only empty placeholders there, so a filled-in entry is one the user meant.
 * The environment and home folder are parameters so tests can point them elsewhere.
 */
public final class DockerCredentials {

    /** The key docker files Docker Hub credentials under, and hands its helpers. */
    static final String DOCKER_HUB_SERVER = "https://index.docker.io/v1/";

    private static final Set<String> DOCKER_HUB_HOSTS =
            Set.of("index.docker.io", "docker.io", OciReference.DOCKER_HUB_API);

    private final Map<String, String> environment;
    private final Path home;
    private final Processes processes;

    public DockerCredentials(Map<String, String> environment, Path home, Processes processes) {
        this.environment = Map.copyOf(environment);
        this.home = home;
        this.processes = processes;
    }

    /** What {@code cocoon} run by this user sees: its environment and {@code user.home}. */
    public static DockerCredentials ofThisProcess(Processes processes) {
        return new DockerCredentials(System.getenv(), Path.of(System.getProperty("user.home")), processes);
    }

    /** The config file docker would read. */
    public Path configFile() {
        String dockerConfig = environment.get("DOCKER_CONFIG");
        return dockerConfig != null && !dockerConfig.isBlank()
                ? Path.of(dockerConfig).resolve("config.json")
                : home.resolve(".docker").resolve("config.json");
    }

    /** The credentials for the reference's registry, if the config file or a helper has any. */
    public Optional<RegistryCredential> forRegistry(OciReference reference) {
        Path file = configFile();
        Optional<JsonNode> config = read(file);
        if (config.isEmpty()) {
            return Optional.empty();
        }
        String server = serverAddress(reference);
        Set<String> hosts =
                DOCKER_HUB_HOSTS.contains(reference.registry()) ? DOCKER_HUB_HOSTS : Set.of(reference.registry());
        Optional<String> helper = entry(config.get().path("credHelpers"), server, hosts)
                .filter(JsonNode::isTextual)
                .map(JsonNode::asText)
                .filter(name -> !name.isBlank());
        if (helper.isPresent()) {
            return helper(helper.get(), "credHelpers", file).get(server);
        }
        Optional<RegistryCredential> inline = entry(config.get().path("auths"), server, hosts)
                .flatMap(auth -> inline(auth, reference.registry(), file));
        if (inline.isPresent()) {
            return inline;
        }
        String store = config.get().path("credsStore").asText("");
        return store.isBlank()
                ? Optional.empty()
                : helper(store, "credsStore", file).get(server);
    }

    /** Docker Hub under docker's historical key; any other registry by host[:port], as the user wrote it. */
    static String serverAddress(OciReference reference) {
        return DOCKER_HUB_HOSTS.contains(reference.registry()) ? DOCKER_HUB_SERVER : reference.registry();
    }

    /**
     * The entry filed under the server address itself, else the first whose key names the same host:
     * docker accepts {@code host:5000}, {@code https://host:5000} and {@code http://host:5000/v2/} alike.
     */
    private static Optional<JsonNode> entry(JsonNode entries, String server, Set<String> hosts) {
        if (!entries.isObject()) {
            return Optional.empty();
        }
        if (entries.has(server)) {
            return Optional.of(entries.get(server));
        }
        for (Map.Entry<String, JsonNode> field : entries.properties()) {
            if (hosts.contains(hostOf(field.getKey()))) {
                return Optional.of(field.getValue());
            }
        }
        return Optional.empty();
    }

    /** {@code https://Host:5000/v1/} becomes {@code host:5000}. */
    static String hostOf(String key) {
        String host = key.strip();
        int scheme = host.indexOf("://");
        if (scheme >= 0) {
            host = host.substring(scheme + 3);
        }
        int slash = host.indexOf('/');
        return (slash >= 0 ? host.substring(0, slash) : host).toLowerCase(Locale.ROOT);
    }

    private static Optional<RegistryCredential> inline(JsonNode auth, String registry, Path file) {
        String source = file.toString();
        String identityToken = auth.path("identitytoken").asText("");
        if (!identityToken.isEmpty()) {
            return Optional.of(new RegistryCredential(RegistryCredential.IDENTITY_TOKEN_USER, identityToken, source));
        }
        String encoded = auth.path("auth").asText("");
        if (!encoded.isEmpty()) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(encoded.strip()), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                decoded = "";
            }
            int colon = decoded.indexOf(':');
            if (colon <= 0) {
                throw new CocoonException(
                        "the \"auth\" of " + registry + " in " + file + " is not base64 of user:password",
                        "run docker login " + registry + " again, or fix that entry");
            }
            return Optional.of(
                    new RegistryCredential(decoded.substring(0, colon), decoded.substring(colon + 1), source));
        }
        String username = auth.path("username").asText("");
        String password = auth.path("password").asText("");
        return username.isEmpty() || password.isEmpty()
                ? Optional.empty()
                : Optional.of(new RegistryCredential(username, password, source));
    }

    private CredentialHelper helper(String name, String key, Path file) {
        return new CredentialHelper(processes, name, environment.get("PATH"), key + " in " + file);
    }

    private static Optional<JsonNode> read(Path file) {
        try {
            JsonNode config = new ObjectMapper().readTree(Files.readString(file));
            return config != null && config.isObject() ? Optional.of(config) : Optional.empty();
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot read the registry credentials in " + file + ": " + oneLine(e.getMessage()),
                    "fix the file (docker login rewrites it), or set DOCKER_CONFIG to a folder with a valid config.json");
        }
    }

    private static String oneLine(String message) {
        String text = String.valueOf(message).strip();
        int end = text.indexOf('\n');
        return end < 0 ? text : text.substring(0, end);
    }
}
