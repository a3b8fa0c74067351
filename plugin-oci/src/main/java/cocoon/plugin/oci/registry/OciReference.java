package cocoon.plugin.oci.registry;

import cocoon.api.InvalidInputException;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image reference as users type it ({@code ubuntu:24.04}, {@code ghcr.io/org/img:tag},
 * {@code host:5000/img@sha256:…}), normalised the way Docker does. The grammar is Docker's (and jib's
 * {@code ImageReference}), parsed here: jib's parser starts Guava's {@code Platform}, whose logger and
 * service lookup open every jar of the module path, ~30 ms of each pull.
 *
 * @param registry   the host (and port) the registry API is served on; Docker Hub is {@code registry-1.docker.io}
 * @param repository the repository path, with {@code library/} added for Docker Hub official images
 * @param tag        the tag, or null when only a digest was given
 * @param digest     {@code sha256:<hex>}, or null
 */
public record OciReference(String registry, String repository, String tag, String digest) {

    static final String DOCKER_HUB_API = "registry-1.docker.io";
    private static final String DOCKER_HUB_DISPLAY = "docker.io";
    private static final Set<String> DOCKER_HUB_ALIASES = Set.of("docker.io", "index.docker.io", DOCKER_HUB_API);
    private static final Pattern URL_SCHEME = Pattern.compile("^[A-Za-z][A-Za-z0-9+.-]*://");
    private static final Pattern LOOPBACK_V4 = Pattern.compile("127(\\.\\d{1,3}){3}");
    private static final String DEFAULT_TAG = "latest";
    private static final String HOST_PART = "(?:[a-zA-Z\\d]|[a-zA-Z\\d][a-zA-Z\\d-]*[a-zA-Z\\d])";
    private static final String PATH_PART = "[a-z\\d]+(?:(?:[_.]|__|-+)[a-z\\d]+)*";
    /** registry/repository:tag@digest, each but the repository optional. */
    private static final Pattern REFERENCE = Pattern.compile("(?:(" + HOST_PART + "(?:\\." + HOST_PART
            + ")*(?::\\d+)?)/)?(" + "(?:" + PATH_PART + "/)*" + PATH_PART + ")(?::([\\w][\\w.-]{0,127}))?"
            + "(?:@(sha256:[a-f0-9]{64}))?");

    /** Parses a reference; a malformed one is an {@link InvalidInputException} that shows the accepted forms. */
    public static OciReference parse(String text) {
        String trimmed = text == null ? "" : text.strip();
        if (URL_SCHEME.matcher(trimmed).find()) {
            throw new InvalidInputException(
                    "\"" + trimmed + "\" is a URL, not an OCI image reference",
                    "cloud images are pulled by http(s) URL; registry images by name, e.g. ubuntu:24.04");
        }
        Matcher parsed = REFERENCE.matcher(trimmed);
        if (!parsed.matches() || trimmed.equals("scratch")) {
            throw new InvalidInputException(
                    "\"" + trimmed + "\" is not a valid OCI image reference",
                    "write [registry[:port]/]repository[:tag][@sha256:<64 hex>], e.g. ubuntu:24.04, "
                            + "ghcr.io/org/image:tag or localhost:5000/image; repository names are lower case");
        }
        String registry = parsed.group(1) == null ? DOCKER_HUB_API : parsed.group(1);
        String repository = parsed.group(2);
        // A first part without a dot or port is a Docker Hub path (org/app), unless it is localhost.
        if (!registry.contains(".") && !registry.contains(":") && !registry.equals("localhost")) {
            repository = registry + "/" + repository;
            registry = DOCKER_HUB_API;
        }
        registry = registry.toLowerCase(Locale.ROOT);
        if (!validPort(registry)) {
            throw new InvalidInputException(
                    "\"" + trimmed + "\" names the port of " + registry + ", which does not exist",
                    "a registry port is a number from 1 to 65535, e.g. localhost:5000/image");
        }
        if (DOCKER_HUB_ALIASES.contains(registry)) {
            registry = DOCKER_HUB_API;
            repository = repository.contains("/") ? repository : "library/" + repository;
        }
        String tag = parsed.group(3);
        String digest = parsed.group(4);
        return new OciReference(registry, repository, tag == null && digest == null ? DEFAULT_TAG : tag, digest);
    }

    private static boolean validPort(String registry) {
        int colon = registry.lastIndexOf(':');
        if (colon < 0 || registry.endsWith("]")) {
            return true;
        }
        String port = registry.substring(colon + 1);
        return port.length() <= 5
                && port.chars().allMatch(Character::isDigit)
                && !port.isEmpty()
                && Integer.parseInt(port) >= 1
                && Integer.parseInt(port) <= 65535;
    }

    /** Whether this source should claim the reference: not a URL, and well-formed. */
    public static boolean isReference(String text) {
        try {
            parse(text);
            return true;
        } catch (InvalidInputException e) {
            return false;
        }
    }

    /** The normalised name the index keys on: {@code docker.io/library/ubuntu:24.04}, {@code host:5000/img@sha256:…}. */
    public String canonical() {
        String host = DOCKER_HUB_API.equals(registry) ? DOCKER_HUB_DISPLAY : registry;
        StringBuilder name = new StringBuilder(host).append('/').append(repository);
        if (tag != null) {
            name.append(':').append(tag);
        }
        if (digest != null) {
            name.append('@').append(digest);
        }
        return name.toString();
    }

    /** What the manifest is fetched by: the digest when given (it pins the content), else the tag. */
    public String qualifier() {
        return digest != null ? digest : tag;
    }

    /** A registry on this host, where plain HTTP exposes nothing to the network. */
    public boolean isLoopback() {
        String host = registry.contains(":") ? registry.substring(0, registry.lastIndexOf(':')) : registry;
        return host.equals("localhost") || LOOPBACK_V4.matcher(host).matches();
    }

    @Override
    public String toString() {
        return canonical();
    }
}
