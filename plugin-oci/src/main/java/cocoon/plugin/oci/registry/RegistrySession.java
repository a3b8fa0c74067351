package cocoon.plugin.oci.registry;

import cocoon.api.CocoonException;
import cocoon.api.DigestMismatchException;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.DescriptorDigest;
import com.google.cloud.tools.jib.api.LogEvent;
import com.google.cloud.tools.jib.blob.Blobs;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.hash.WritableContents;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import java.io.IOException;
import java.io.OutputStream;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongConsumer;
import javax.net.ssl.SSLContext;

/**
 * One authenticated conversation with a registry about one repository, through jib-core's
 * {@link RegistryClient}: artifact pushes and pulls ({@code snapshot push}/{@code pull}); image pulls go through
 * the lighter {@link PullSession}. TLS is verified unless the registry is on loopback or the user passed
 * {@code --insecure}; only then may jib fall back to plain HTTP.
 */
public final class RegistrySession implements AutoCloseable {

    /** A manifest is a few kilobytes; a registry that takes longer than this to send one is broken. */
    private static final Duration MANIFEST_DEADLINE = Duration.ofSeconds(30);

    private final OciReference reference;
    private final FailoverHttpClient http;
    private final RegistryClient client;
    private final Optional<RegistryCredential> credential;

    private RegistrySession(
            OciReference reference,
            FailoverHttpClient http,
            RegistryClient client,
            Optional<RegistryCredential> credential) {
        this.reference = reference;
        this.http = http;
        this.client = client;
        this.credential = credential;
    }

    /**
     * Connects and authenticates: a bearer token (anonymous, or for {@code credential}), or basic auth
     * when the registry asks for it. Blob downloads redirected to another host (object stores) carry no
     * Authorization header there: jib's HTTP client drops it when it follows a redirect.
     */
    public static RegistrySession open(
            OciReference reference, boolean insecure, Optional<RegistryCredential> credential) {
        return open(reference, insecure, credential, false);
    }

    /** As {@link #open(OciReference, boolean, Optional)}, with the token a push needs when {@code push}. */
    public static RegistrySession open(
            OciReference reference, boolean insecure, Optional<RegistryCredential> credential, boolean push) {
        loadTrustStoreAside();
        boolean plainHttpAllowed = insecure || reference.isLoopback();
        if (!plainHttpAllowed) {
            TlsPreflight.check(reference);
        }
        FailoverHttpClient http = (reference.isLoopback()
                        ? LoopbackHttpClient.ifPlainHttp(reference.registry(), RegistrySession::quiet)
                        : Optional.<FailoverHttpClient>empty())
                .orElseGet(() -> new FailoverHttpClient(plainHttpAllowed, plainHttpAllowed, RegistrySession::quiet));
        try {
            // jib reads the user name "<token>" as docker does: the secret is an identity (refresh) token.
            Credential jibCredential = credential
                    .map(given -> Credential.from(given.username(), given.secret()))
                    .orElse(null);
            RegistryClient client = RegistryClient.factory(
                            EventHandlers.NONE, reference.registry(), reference.repository(), http)
                    .setCredential(jibCredential)
                    .setUserAgent("cocoon")
                    .newRegistryClient();
            boolean bearer = push ? client.doPushBearerAuth() : client.doPullBearerAuth();
            if (!bearer && jibCredential != null && !jibCredential.isOAuth2RefreshToken()) {
                client.configureBasicAuth();
            }
            return new RegistrySession(reference, http, client, credential);
        } catch (Exception e) {
            shutDown(http);
            throw RegistryErrors.translate(e, reference, "authenticating", credential);
        }
    }

    /**
     * jib's HTTP transport makes a TLS context for every request, plain HTTP ones too, and the first one parses
     * the JDK's trust store (~75 ms of a 0.5 s pull of the demo image at load 1): the parse is started on a thread
     * of its own, to overlap the plain-HTTP probe and the loading of jib's classes on this one. The JDK keeps
     * the parsed store for every later context.
     */
    private static void loadTrustStoreAside() {
        Thread.ofPlatform().daemon().name("tls-trust-store").start(() -> {
            try {
                SSLContext.getDefault();
            } catch (NoSuchAlgorithmException e) {
                // jib's own TLS set-up meets the same failure and reports it
            }
        });
    }

    /** jib's log events: dropped, as the user sees failures through cocoon's own errors. */
    private static void quiet(LogEvent event) {}

    /** A manifest fetched by digest must hash to that digest; a tag can point anywhere. */
    private ManifestAndDigest<ManifestTemplate> pullManifest(String qualifier) throws Exception {
        ManifestAndDigest<ManifestTemplate> pulled = withinDeadline(qualifier);
        if (qualifier.startsWith("sha256:") && !pulled.getDigest().toString().equals(qualifier)) {
            throw new DigestMismatchException(
                    "manifest " + qualifier + " of " + reference.canonical(),
                    qualifier,
                    pulled.getDigest().toString());
        }
        return pulled;
    }

    /**
     * jib reads a manifest body whole, with no limit: one that never ends is cut off at the deadline
     * (its connection shut) or when it no longer fits in memory, instead of holding the pull forever.
     */
    private ManifestAndDigest<ManifestTemplate> withinDeadline(String qualifier) throws Exception {
        FutureTask<ManifestAndDigest<ManifestTemplate>> fetch = new FutureTask<>(() -> client.pullManifest(qualifier));
        Thread.ofPlatform().daemon().name("manifest-" + qualifier).start(fetch);
        try {
            return fetch.get(MANIFEST_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            shutDown(http);
            throw new CocoonException(
                    "the registry did not finish sending the manifest of " + reference.canonical() + " within "
                            + MANIFEST_DEADLINE.toSeconds() + " s",
                    "the registry is broken or hostile; check it, or try again later");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof OutOfMemoryError) {
                shutDown(http);
                throw new CocoonException(
                        "the manifest of " + reference.canonical() + " is too large to be a manifest",
                        "the registry is broken or hostile; check it");
            }
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    /**
     * Streams a blob into {@code target} and returns only once its bytes hash to the digest and match the
     * size the manifest promised; otherwise throws {@link DigestMismatchException}. The hash is jib's:
     * its blob puller digests what it reads and fails on a mismatch, so the bytes are hashed once.
     */
    public void download(LayerDescriptor layer, OutputStream target, LongConsumer bytesSoFar) {
        // On overrun the connections are cut: closing the response would otherwise drain an endless body.
        CountingStream out = new CountingStream(target, bytesSoFar, layer.size(), () -> shutDown(http));
        try {
            client.pullBlob(DescriptorDigest.fromDigest(layer.digest()), size -> {}, count -> {})
                    .writeTo(out);
        } catch (Exception e) {
            if (out.overrun) {
                throw new DigestMismatchException(
                        "layer " + layer.digest() + " of " + reference.canonical() + " size",
                        layer.size() + " bytes",
                        "more");
            }
            throw RegistryErrors.translate(e, reference, "downloading layer " + layer.digest(), credential);
        }
        if (out.count != layer.size()) {
            throw new DigestMismatchException(
                    "layer " + layer.digest() + " of " + reference.canonical() + " size",
                    layer.size() + " bytes",
                    out.count + " bytes");
        }
    }

    /** Whether the repository holds the blob already, so a push need not send it. */
    public boolean hasBlob(String digest) {
        try {
            return client.checkBlob(DescriptorDigest.fromDigest(digest)).isPresent();
        } catch (Exception e) {
            throw RegistryErrors.translate(e, reference, "checking blob " + digest, credential);
        }
    }

    /** Uploads a blob whose digest is known before its bytes are written; the registry checks it against them. */
    public void upload(String digest, WritableContents content) {
        try {
            client.pushBlob(DescriptorDigest.fromDigest(digest), Blobs.from(content, true), null, count -> {});
        } catch (Exception e) {
            throw RegistryErrors.translate(e, reference, "uploading blob " + digest, credential);
        }
    }

    /** Puts {@code manifest} under the reference's tag (or digest); returns its digest. */
    public String pushManifest(ManifestTemplate manifest) {
        try {
            return client.pushManifest(manifest, reference.qualifier()).toString();
        } catch (Exception e) {
            throw RegistryErrors.translate(e, reference, "pushing the manifest", credential);
        }
    }

    /** The reference's own manifest, not followed to a platform: an artifact's. */
    public ManifestAndDigest<ManifestTemplate> manifest() {
        try {
            return pullManifest(reference.qualifier());
        } catch (CocoonException e) {
            throw e;
        } catch (Exception e) {
            throw RegistryErrors.translate(e, reference, "fetching the manifest", credential);
        }
    }

    @Override
    public void close() {
        shutDown(http);
    }

    private static void shutDown(FailoverHttpClient http) {
        try {
            http.shutDown();
        } catch (IOException e) {
            // Connections are released with the process anyway; nothing the user can do about it.
        }
    }

    /**
     * Counts what passes through, and stops a body that runs past the size the manifest promised: a
     * registry that never stops sending must not fill the disk or hold the pull.
     */
    private static final class CountingStream extends OutputStream {
        private final OutputStream out;
        private final LongConsumer progress;
        private final long limit;
        private final Runnable onOverrun;
        long count;
        boolean overrun;

        CountingStream(OutputStream out, LongConsumer progress, long limit, Runnable onOverrun) {
            this.out = out;
            this.progress = progress;
            this.limit = limit;
            this.onOverrun = onOverrun;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (count + length > limit) {
                overrun = true;
                onOverrun.run();
                throw new IOException("the blob is longer than the " + limit + " bytes its manifest promised");
            }
            out.write(bytes, offset, length);
            count += length;
            progress.accept(count);
        }
    }
}
