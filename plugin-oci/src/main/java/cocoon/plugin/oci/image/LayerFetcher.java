package cocoon.plugin.oci.image;

import cocoon.api.CocoonException;
import cocoon.api.ProgressEvent;
import cocoon.api.ProgressListener;
import cocoon.api.Uninterruptible;
import cocoon.plugin.oci.layer.ConvertedLayer;
import cocoon.plugin.oci.layer.LayerConverter;
import cocoon.plugin.oci.layer.LayerUnpacker;
import cocoon.plugin.oci.registry.LayerDescriptor;
import cocoon.plugin.oci.registry.PullSession;
import cocoon.plugin.oci.store.OciStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Brings the layers of a manifest into the store, a bounded number at a time: a layer whose EROFS
 * image exists is skipped without a request; any other is downloaded on one thread and unpacked into
 * its own work folder under {@code <root>/tmp} on another as the bytes arrive, then, once the whole
 * blob is verified, turned into an EROFS image and committed. Layers merged into one disk are downloaded
 * to files first, since they are applied in order. The work folder is always removed.
 */
final class LayerFetcher {

    private static final long PROGRESS_STEP = 1L << 20;

    private final OciStore store;
    private final LayerConverter converter;
    private final Path tmpDir;
    private final int parallel;

    LayerFetcher(OciStore store, LayerConverter converter, Path tmpDir, int parallel) {
        this.store = store;
        this.converter = converter;
        this.tmpDir = tmpDir;
        this.parallel = parallel;
    }

    void fetchAll(PullSession session, List<LayerDescriptor> layers, boolean force, ProgressListener progress) {
        Map<String, LayerDescriptor> distinct = new LinkedHashMap<>();
        layers.forEach(layer -> distinct.putIfAbsent(layer.digest(), layer));
        inParallel(distinct.values().stream()
                .<Runnable>map(layer -> () -> fetch(session, layer, force, progress))
                .toList());
    }

    /**
     * Brings {@code layers} (bottom first) into the store as one EROFS disk named {@code id}, unless it is there:
     * the blobs are downloaded in parallel to files, each verified, then applied in order to one folder.
     */
    void fetchMerged(
            PullSession session, List<LayerDescriptor> layers, String id, boolean force, ProgressListener progress) {
        String item = "merged " + id.substring(0, 12);
        if (!force && store.hasLayer(id)) {
            progress.on(ProgressEvent.message(item, layers.size() + " layers already in the store as one disk"));
            return;
        }
        Path work = createWorkDir(id.substring(0, 12));
        try {
            List<Path> blobs = new ArrayList<>();
            List<Runnable> downloads = new ArrayList<>();
            for (int i = 0; i < layers.size(); i++) {
                LayerDescriptor layer = layers.get(i);
                Path blob = work.resolve("layer-" + i + ".blob");
                blobs.add(blob);
                downloads.add(() -> downloadToFile(session, layer, blob, progress));
            }
            inParallel(downloads);
            progress.on(ProgressEvent.message(item, "merging " + layers.size() + " layers into one EROFS disk"));
            ConvertedLayer converted = converter.merge(
                    blobs, layers.stream().map(LayerDescriptor::digest).toList(), work);
            store.commit(id, converted);
            progress.on(ProgressEvent.message(item, "stored"));
        } finally {
            deleteQuietly(work);
        }
    }

    private static void downloadToFile(
            PullSession session, LayerDescriptor layer, Path blob, ProgressListener progress) {
        String item = layer.hex().substring(0, 12);
        progress.on(ProgressEvent.started(item, layer.size()));
        try (OutputStream out = Files.newOutputStream(blob, StandardOpenOption.CREATE_NEW)) {
            download(session, layer, out, item, progress);
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot write layer " + layer.digest() + " to " + blob + ": " + e.getMessage(),
                    "check free space under the root dir");
        }
        progress.on(ProgressEvent.done(item, layer.size(), "verified"));
    }

    /** Runs the tasks, a bounded number at a time; the first failure cancels the rest and is thrown. */
    private void inParallel(List<Runnable> tasks) {
        if (tasks.isEmpty()) {
            return;
        }
        AtomicInteger threadNumber = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(
                Math.min(parallel, tasks.size()),
                task -> new Thread(task, "cocoon-oci-layer-" + threadNumber.incrementAndGet()));
        List<Future<?>> running = new ArrayList<>();
        try {
            for (Runnable task : tasks) {
                running.add(pool.submit(task));
            }
            RuntimeException failure = null;
            for (Future<?> task : running) {
                try {
                    task.get();
                } catch (ExecutionException e) {
                    if (failure == null) {
                        failure = e.getCause() instanceof RuntimeException runtime
                                ? runtime
                                : new CocoonException(
                                        "pulling a layer failed: " + e.getCause(), "retry the pull", e.getCause());
                        running.forEach(other -> other.cancel(false));
                    }
                } catch (CancellationException e) {
                    // cancelled after an earlier layer failed; that failure is reported
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CocoonException("the pull was interrupted", "run it again");
                }
            }
            if (failure != null) {
                throw failure;
            }
        } finally {
            awaitWorkers(pool);
        }
    }

    /** A cancelled layer may still be running; the pull (and its shared store lock) must outlive it. */
    private static void awaitWorkers(ExecutorService pool) {
        Uninterruptible.shutdownAndWait(pool);
    }

    private void fetch(PullSession session, LayerDescriptor layer, boolean force, ProgressListener progress) {
        String item = layer.hex().substring(0, 12);
        if (!force && store.hasLayer(layer.hex())) {
            progress.on(ProgressEvent.done(item, layer.size(), "already in the store"));
            return;
        }
        Path work = createWorkDir(item);
        BlobPipe pipe = new BlobPipe();
        FutureTask<Void> download = new FutureTask<>(() -> {
            download(session, layer, pipe, item, progress);
            return null;
        });
        try {
            progress.on(ProgressEvent.started(item, layer.size()));
            Thread.ofPlatform().name("cocoon-oci-download-" + item).start(download);
            ConvertedLayer converted;
            try {
                converted = converter.convert(pipe.source(), work, layer.digest());
            } catch (RuntimeException e) {
                pipe.abandon();
                awaitQuietly(download);
                // A failed download (a digest mismatch, the network) is why the unpacking failed.
                throw pipe.writerFailure() instanceof RuntimeException cause ? cause : e;
            }
            store.commit(layer.hex(), converted);
            progress.on(ProgressEvent.done(item, layer.size(), "stored"));
        } finally {
            deleteQuietly(work);
        }
    }

    /** Runs on its own thread: streams the blob into the pipe, and ends the pipe once the blob is verified. */
    private static void download(
            PullSession session, LayerDescriptor layer, BlobPipe pipe, String item, ProgressListener progress)
            throws IOException {
        try {
            download(session, layer, pipe.sink(), item, progress);
        } catch (RuntimeException e) {
            if (!pipe.readerClosed()) {
                pipe.fail(e);
            }
            throw e;
        }
        progress.on(ProgressEvent.message(item, "verified; building the EROFS image"));
        pipe.finish();
    }

    /** Streams the blob into {@code out}, reporting every mebibyte; returns once it is verified. */
    private static void download(
            PullSession session, LayerDescriptor layer, OutputStream out, String item, ProgressListener progress) {
        long[] reported = {0};
        session.download(layer, out, bytes -> {
            if (bytes - reported[0] >= PROGRESS_STEP || bytes == layer.size()) {
                reported[0] = bytes;
                progress.on(ProgressEvent.progress(item, bytes, layer.size()));
            }
        });
    }

    private static void awaitQuietly(FutureTask<Void> download) {
        try {
            Uninterruptible.get(download);
        } catch (ExecutionException e) {
            // the pipe already holds the download's failure (BlobPipe.writerFailure), which the caller reports
        }
    }

    private Path createWorkDir(String item) {
        try {
            Files.createDirectories(tmpDir);
            return Files.createTempDirectory(tmpDir, "oci-layer-" + item + "-");
        } catch (IOException e) {
            throw new CocoonException(
                    "cannot create a work folder in " + tmpDir + ": " + e.getMessage(),
                    "check free space and permissions under the root dir");
        }
    }

    private static void deleteQuietly(Path work) {
        try {
            LayerUnpacker.deleteTree(work);
        } catch (IOException e) {
            // Left for GC, which removes old entries under tmp/.
        }
    }
}
