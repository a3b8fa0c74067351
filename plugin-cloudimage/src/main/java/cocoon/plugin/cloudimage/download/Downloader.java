package cocoon.plugin.cloudimage.download;

import cocoon.api.EarlyWriteback;
import cocoon.api.ProgressEvent;
import cocoon.api.ProgressListener;
import cocoon.plugin.cloudimage.DownloadException;
import cocoon.plugin.cloudimage.StorageException;
import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;

/**
 * Downloads one URL into its {@link PartFile}, hashing as the bytes arrive. Asks the server first
 * whether a stored copy is still current, and resumes a partial file with a Range request when the
 * server supports it for the same version of the file.
 */
public final class Downloader {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final Pattern UNSATISFIED_RANGE = Pattern.compile("bytes \\*/(\\d+)");
    private static final long PROGRESS_STEP = 1 << 20;
    /** How often (in bytes received) free space is looked at again while a body streams. */
    private static final long ROOM_STEP = 64L << 20;

    private static final int SUMS_LIMIT = 4 << 20;

    /** What the server said about the stored copy's validators. */
    public record Stored(String etag, String lastModified) {
        boolean any() {
            return etag != null || lastModified != null;
        }
    }

    /** The result: either the stored copy is current, or the part file now holds the whole body. */
    public sealed interface Outcome {
        record NotModified() implements Outcome {}

        record Fetched(Path file, String sha256Hex, long bytes, String etag, String lastModified) implements Outcome {}
    }

    private final HttpFetcher fetcher;
    private final DownloadLimits limits;

    /** {@code tls} is asked for only when an HTTPS URL is opened. */
    public Downloader(HttpSettings settings, DownloadLimits limits, Supplier<SSLContext> tls) {
        this.fetcher = new HttpFetcher(settings, tls);
        this.limits = limits;
    }

    /** The text of a checksum file. */
    public String fetchText(String url) {
        return fetcher.getText(URI.create(url), SUMS_LIMIT);
    }

    /**
     * Fetches {@code url} into {@code part}.
     *
     * @param stored  validators of the copy already in the store, or null to fetch unconditionally
     */
    public Outcome fetch(String url, PartFile part, Stored stored, String item, ProgressListener progress) {
        URI uri = URI.create(url);
        Optional<PartialValidators> partial = part.size() > 0 ? part.validators(url) : Optional.empty();
        String ifRange = partial.map(PartialValidators::ifRange).orElse(null);
        if (ifRange == null) {
            part.restart();
        }
        Map<String, String> headers = new LinkedHashMap<>();
        long offset = part.size();
        if (offset > 0) {
            headers.put("Range", "bytes=" + offset + "-");
            headers.put("If-Range", ifRange);
        } else if (stored != null && stored.any()) {
            if (stored.etag() != null) {
                headers.put("If-None-Match", stored.etag());
            }
            if (stored.lastModified() != null) {
                headers.put("If-Modified-Since", stored.lastModified());
            }
        }
        HttpFetcher.Response response = fetcher.get(uri, headers);
        int status = response.statusCode();
        if (status == 304 && offset == 0 && !headers.isEmpty()) {
            response.close();
            progress.on(ProgressEvent.message(item, "not modified on the server; already stored"));
            return new Outcome.NotModified();
        }
        if (status == 416 && offset > 0) {
            response.close();
            if (unsatisfiedLength(response) == offset && partial.isPresent() && offset <= limits.maxBytes()) {
                // If-Range held (else the server would have sent the whole file), and the file is exactly
                // as long as the part: an earlier pull died after its download. Use the bytes as they are.
                String hex = HexFormat.of().formatHex(hashPrefix(part, offset).digest());
                progress.on(ProgressEvent.message(item, "already downloaded (" + offset + " bytes)"));
                progress.on(ProgressEvent.done(item, offset, "sha256:" + hex));
                return new Outcome.Fetched(
                        part.path(),
                        hex,
                        offset,
                        partial.get().etag(),
                        partial.get().lastModified());
            }
            // The server no longer has bytes past our offset: the file changed. Start over once.
            part.restart();
            return fetch(url, part, null, item, progress);
        }
        if (status == 206 && offset > 0) {
            long start = rangeStart(response);
            if (start != offset) {
                response.close();
                part.restart();
                return fetch(url, part, null, item, progress);
            }
            progress.on(ProgressEvent.message(item, "resuming at " + offset + " bytes"));
        } else if (status == 200) {
            offset = 0;
            part.restart();
        } else {
            response.close();
            throw fetcher.statusError(uri, status);
        }
        String etag = response.header("ETag");
        String lastModified = response.header("Last-Modified");
        part.saveValidators(new PartialValidators(url, etag, lastModified));
        long total = totalLength(response, offset);
        try {
            limits.checkAnnounced(uri, total);
            limits.checkRoom(uri, part.path().getParent(), total < 0 ? 0 : total - offset);
        } catch (DownloadException refused) {
            response.close();
            if (total > limits.maxBytes()) {
                part.restart();
            }
            throw refused;
        }
        return stream(uri, response, part, offset, total, item, progress, etag, lastModified);
    }

    private Outcome.Fetched stream(
            URI uri,
            HttpFetcher.Response response,
            PartFile part,
            long offset,
            long total,
            String item,
            ProgressListener progress,
            String etag,
            String lastModified) {
        FileChannel out = part.channel();
        long[] written = {offset};
        long[] reported = {offset};
        long[] roomChecked = {offset};
        // Never more than the server announced, and never more than max_size: an endless body stops here.
        long cap = total >= 0 ? Math.min(total, limits.maxBytes()) : limits.maxBytes();
        progress.on(ProgressEvent.started(item, total));
        if (offset > 0) {
            progress.on(ProgressEvent.progress(item, offset, total));
        }
        try {
            out.position(offset);
        } catch (IOException e) {
            throw written(part, e);
        }
        String hex;
        try (BackgroundDigest sha256 = new BackgroundDigest(hashPrefix(part, offset), HttpFetcher.BUFFER_BYTES);
                EarlyWriteback writeback = new EarlyWriteback(out, "cloudimg-writeback")) {
            fetcher.copyBody(uri, response, sha256::buffer, (buffer, length) -> {
                if (written[0] + length > cap) {
                    part.restart();
                    throw written[0] + length > limits.maxBytes()
                            ? limits.tooLarge(uri)
                            : new DownloadException(
                                    "GET " + uri + ": body longer than the " + total + " bytes announced",
                                    "the server is misbehaving; try another mirror");
                }
                if (written[0] - roomChecked[0] >= ROOM_STEP) {
                    roomChecked[0] = written[0];
                    limits.checkRoom(uri, part.path().getParent(), 0);
                }
                sha256.update(buffer, length);
                ByteBuffer chunk = ByteBuffer.wrap(buffer, 0, length);
                try {
                    while (chunk.hasRemaining()) {
                        out.write(chunk);
                    }
                } catch (IOException e) {
                    throw written(part, e);
                }
                written[0] += length;
                writeback.written(written[0]);
                if (written[0] - reported[0] >= PROGRESS_STEP) {
                    reported[0] = written[0];
                    progress.on(ProgressEvent.progress(item, written[0], total));
                }
            });
            if (total >= 0 && written[0] < total) {
                throw new DownloadException(
                        "GET " + uri + ": body ended after " + written[0] + " of " + total + " bytes",
                        "the connection was cut; pull again to resume");
            }
            out.force(true);
            hex = HexFormat.of().formatHex(sha256.digest());
        } catch (IOException e) {
            throw written(part, e);
        }
        progress.on(ProgressEvent.done(item, written[0], "sha256:" + hex));
        return new Outcome.Fetched(part.path(), hex, written[0], etag, lastModified);
    }

    /**
     * The download cannot be written. The partial file is dropped: on a full disk it holds the very space
     * the user must free, and bytes that may not have reached the disk are not worth resuming.
     */
    private static StorageException written(PartFile part, IOException e) {
        try {
            part.restart();
        } catch (StorageException alsoFailed) {
            // What broke the write matters more; gc removes the leftover.
        }
        return StorageException.of("cannot write the download", part.path(), e, "check the disk, then pull again");
    }

    /** A digest already fed with the first {@code length} bytes of a resumed file. */
    private static MessageDigest hashPrefix(PartFile part, long length) {
        FileChannel channel = part.channel();
        MessageDigest sha256;
        try {
            sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
        try {
            long position = 0;
            while (position < length) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), length - position));
                int n = channel.read(buffer, position);
                if (n < 0) {
                    break;
                }
                sha256.update(buffer.array(), 0, n);
                position += n;
            }
        } catch (IOException e) {
            throw StorageException.of(
                    "cannot read the partial download", part.path(), e, "pull again with --force to start over");
        }
        return sha256;
    }

    private static long rangeStart(HttpFetcher.Response response) {
        return Optional.ofNullable(response.header("Content-Range"))
                .map(CONTENT_RANGE::matcher)
                .filter(Matcher::matches)
                .map(m -> Long.parseLong(m.group(1)))
                .orElse(-1L);
    }

    /** The file size a 416 answer names ({@code Content-Range: bytes *}{@code /N}), or -1. */
    private static long unsatisfiedLength(HttpFetcher.Response response) {
        return Optional.ofNullable(response.header("Content-Range"))
                .map(UNSATISFIED_RANGE::matcher)
                .filter(Matcher::matches)
                .map(m -> Long.parseLong(m.group(1)))
                .orElse(-1L);
    }

    /** The size of the whole file, or -1 when the server does not say. */
    private static long totalLength(HttpFetcher.Response response, long offset) {
        if (response.statusCode() == 206) {
            Matcher range = CONTENT_RANGE.matcher(
                    Optional.ofNullable(response.header("Content-Range")).orElseThrow());
            if (range.matches() && !"*".equals(range.group(3))) {
                return Long.parseLong(range.group(3));
            }
        }
        String length = response.header("Content-Length");
        try {
            return length == null ? -1 : Long.parseLong(length.strip()) + offset;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
