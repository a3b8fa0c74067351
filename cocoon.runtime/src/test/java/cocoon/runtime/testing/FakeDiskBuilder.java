package cocoon.runtime.testing;

import cocoon.api.Availability;
import cocoon.api.Disk;
import cocoon.api.DiskBuilder;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.PluginContext;
import cocoon.api.VmDisks;
import cocoon.api.VmNetwork;
import cocoon.api.VmSpec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Makes one empty writable disk per VM. */
public final class FakeDiskBuilder implements DiskBuilder {

    private final String kind;
    /** Runs inside {@link #build}, that is while create holds its locks. */
    public Runnable whileBuilding = () -> {};
    /** The image it was last asked to plan or build disks for, as the runtime stacked it. */
    public Image given;

    public PluginContext context;

    public FakeDiskBuilder(String kind) {
        this.kind = kind;
    }

    public DiskBuilder.Provider provider() {
        return new DiskBuilder.Provider() {
            @Override
            public String kind() {
                return kind;
            }

            @Override
            public DiskBuilder open(PluginContext opened) {
                context = opened;
                return FakeDiskBuilder.this;
            }
        };
    }

    @Override
    public VmDisks plan(Image image, VmSpec spec, VmNetwork network, Path vmDir) {
        given = image;
        return new VmDisks(List.of(new Disk(vmDir.resolve("disk.raw"), DiskFormat.RAW, false, "fake", null)), "");
    }

    @Override
    public VmDisks build(Image image, VmSpec spec, VmNetwork network, Path vmDir) {
        whileBuilding.run();
        VmDisks disks = plan(image, spec, network, vmDir);
        try {
            Files.createFile(disks.disks().get(0).path());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return disks;
    }

    @Override
    public void remove(List<Disk> disks) {
        for (Disk disk : disks) {
            try {
                Files.deleteIfExists(disk.path());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @Override
    public Availability check() {
        return Availability.ok("fake disk builder " + kind);
    }
}
