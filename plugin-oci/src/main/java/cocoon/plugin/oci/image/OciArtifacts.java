package cocoon.plugin.oci.image;

import cocoon.api.Artifacts;
import cocoon.api.InvalidInputException;
import cocoon.plugin.oci.registry.ArtifactManifest;
import cocoon.plugin.oci.registry.DockerCredentials;
import cocoon.plugin.oci.registry.LayerDescriptor;
import cocoon.plugin.oci.registry.OciReference;
import cocoon.plugin.oci.registry.RegistrySession;
import com.google.cloud.tools.jib.image.json.BuildableManifestTemplate;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Artifacts in OCI registries through the same jib client and credentials as pulls. */
final class OciArtifacts implements Artifacts {

    /** An artifact's config here is a manifest of its blobs: far below this. */
    private static final long MAX_CONFIG_BYTES = 16L << 20;

    private final DockerCredentials credentials;

    OciArtifacts(DockerCredentials credentials) {
        this.credentials = credentials;
    }

    @Override
    public Manifest push(String text, Manifest manifest, Content content, boolean insecure) {
        OciReference reference = OciReference.parse(text);
        byte[] config = manifest.config().getBytes(StandardCharsets.UTF_8);
        String configDigest = "sha256:" + sha256(config);
        try (RegistrySession session =
                RegistrySession.open(reference, insecure, credentials.forRegistry(reference), true)) {
            for (Blob blob : manifest.blobs()) {
                if (!session.hasBlob(blob.digest())) {
                    session.upload(blob.digest(), out -> content.writeTo(blob, out));
                }
            }
            if (!session.hasBlob(configDigest)) {
                session.upload(configDigest, out -> out.write(config));
            }
            List<ArtifactManifest.Descriptor> layers = new ArrayList<>();
            for (Blob blob : manifest.blobs()) {
                layers.add(new ArtifactManifest.Descriptor(blob.mediaType(), blob.digest(), blob.size()));
            }
            String digest = session.pushManifest(new ArtifactManifest(
                    new ArtifactManifest.Descriptor(manifest.configMediaType(), configDigest, config.length), layers));
            return new Manifest(manifest.configMediaType(), manifest.config(), manifest.blobs(), digest);
        }
    }

    @Override
    public Manifest pull(String text, boolean insecure) {
        OciReference reference = OciReference.parse(text);
        try (RegistrySession session = RegistrySession.open(reference, insecure, credentials.forRegistry(reference))) {
            ManifestAndDigest<ManifestTemplate> pulled = session.manifest();
            if (!(pulled.getManifest() instanceof BuildableManifestTemplate manifest)
                    || manifest.getContainerConfiguration() == null) {
                throw new InvalidInputException(
                        reference.canonical() + " is not an artifact with a config", "name what snapshot push pushed");
            }
            BuildableManifestTemplate.ContentDescriptorTemplate config = manifest.getContainerConfiguration();
            if (config.getSize() > MAX_CONFIG_BYTES) {
                throw new InvalidInputException(
                        "the config of " + reference.canonical() + " is " + config.getSize() + " bytes",
                        "name what snapshot push pushed");
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            session.download(new LayerDescriptor(config.getDigest().toString(), config.getSize()), bytes, count -> {});
            List<Blob> blobs = new ArrayList<>();
            // jib keeps a layer's media type to itself; the artifact's config says what each blob is.
            for (BuildableManifestTemplate.ContentDescriptorTemplate layer : manifest.getLayers()) {
                blobs.add(new Blob(null, layer.getDigest().toString(), layer.getSize()));
            }
            return new Manifest(
                    null,
                    bytes.toString(StandardCharsets.UTF_8),
                    blobs,
                    pulled.getDigest().toString());
        }
    }

    @Override
    public void download(String text, Blob blob, OutputStream out, boolean insecure) {
        OciReference reference = OciReference.parse(text);
        try (RegistrySession session = RegistrySession.open(reference, insecure, credentials.forRegistry(reference))) {
            session.download(new LayerDescriptor(blob.digest(), blob.size()), out, count -> {});
        }
    }

    /**
     * The reference that fetches {@code digest} from the repository {@code reference} names, whatever its tag says
     * now: {@code host/repo@sha256:...}.
     */
    static String byDigest(String reference, String digest) {
        OciReference named = OciReference.parse(reference);
        return new OciReference(named.registry(), named.repository(), null, digest).canonical();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
