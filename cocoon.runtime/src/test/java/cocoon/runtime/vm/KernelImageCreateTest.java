package cocoon.runtime.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cocoon.api.BootProblem;
import cocoon.api.BootSpec;
import cocoon.api.CocoonException;
import cocoon.api.ConflictException;
import cocoon.api.Disk;
import cocoon.api.DiskFormat;
import cocoon.api.Image;
import cocoon.api.KernelImage;
import cocoon.api.UnbootableImageException;
import cocoon.api.VmRecord;
import cocoon.runtime.images.ImageCatalog;
import cocoon.runtime.plugin.PluginCatalog;
import cocoon.runtime.plugin.Plugins;
import cocoon.runtime.testing.FakeDiskBuilder;
import cocoon.runtime.testing.FakeHypervisor;
import cocoon.runtime.testing.FakeSource;
import cocoon.runtime.testing.TestRoot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An image without a kernel boots with the kernel image {@code --kernel} or {@code [defaults] kernel} names: its
 * kernel and initrd, its disks below the image's; and each way that cannot work is refused in one line.
 */
class KernelImageCreateTest {

    @TempDir
    Path dir;

    private final FakeSource source = new FakeSource("img", ref -> true);
    private final FakeDiskBuilder builder = new FakeDiskBuilder("img");
    private final List<String> notices = new ArrayList<>();
    private TestRoot host;
    private PluginCatalog catalog;
    private Disk kernelDisk;
    private Disk containerDisk;

    @BeforeEach
    void setUp() {
        host = new TestRoot(dir);
        catalog = PluginCatalog.of(
                List.of(source.provider()),
                List.of(builder.provider()),
                List.of(new FakeHypervisor("hv", 1, true).provider()));
        containerDisk = new Disk(dir.resolve("container.erofs"), DiskFormat.RAW, true, "container", null);
        kernelDisk = new Disk(dir.resolve("kernel.erofs"), DiskFormat.RAW, true, "kernel", null);
        source.add("img/container", "sha256:" + "a".repeat(64), BootSpec.firmware(), List.of(containerDisk));
        source.problems = List.of(new BootProblem(BootProblem.Kind.NO_KERNEL, "carries no kernel", "build a VM image"));
        source.add(
                "img/kernel",
                "sha256:" + "b".repeat(64),
                BootSpec.kernel(dir.resolve("vmlinuz"), dir.resolve("cocoon-initrd"), ""),
                List.of(kernelDisk));
        source.kernels.put("img/kernel", new KernelImage("6.1.0-test-amd64", List.of()));
    }

    private Lifecycle lifecycle() {
        Plugins plugins = host.plugins(catalog);
        return new Lifecycle(host.vms(), new ImageCatalog(plugins), plugins, host.settings(catalog), notices::add);
    }

    private static CreateRequest request(String image, String kernel) {
        return new CreateRequest(
                image, "web", null, null, null, null, null, null, null, null, null, null, kernel, null);
    }

    @Test
    void createBootsTheKernelImagesKernelAndInitrdWithItsDisksBelowTheImages() {
        VmRecord vm = lifecycle().create(request("img/container", "img/kernel"));

        assertEquals(dir.resolve("vmlinuz"), vm.boot().kernel());
        assertEquals(dir.resolve("cocoon-initrd"), vm.boot().initrd());
        assertEquals(List.of(kernelDisk, containerDisk), builder.given.baseDisks());
        assertEquals("img/container", vm.image().reference(), "the VM is still made from the image");
        assertEquals("img/kernel", vm.kernelImage().reference());
        assertTrue(vm.suppliedKernel());
        assertEquals(vm, host.vms().read(vm.id()).orElseThrow(), "the record keeps the kernel image");
    }

    @Test
    void runPlansTheSameStack() {
        VmRecord plan = lifecycle().plan(request("img/container", "img/kernel"));

        assertEquals(dir.resolve("vmlinuz"), plan.boot().kernel());
        assertEquals(List.of(kernelDisk, containerDisk), builder.given.baseDisks());
        assertEquals(List.of(), host.vms().list(), "run creates nothing");
    }

    @Test
    void theDefaultsKernelSettingIsUsedWithoutTheFlag() throws Exception {
        Files.writeString(dir.resolve("config.toml"), "[defaults]\nkernel = \"img/kernel\"\n");

        VmRecord vm = lifecycle().create(request("img/container", null));

        assertEquals("img/kernel", vm.kernelImage().reference());
        assertTrue(lifecycle().defaultKernel().usable());
        assertTrue(lifecycle().defaultKernel().detail().contains("img/kernel is pulled (kernel 6.1.0-test-amd64)"));
    }

    @Test
    void withoutAKernelImageTheRefusalNamesTheFlagAndTheSetting() {
        UnbootableImageException refused =
                assertThrows(UnbootableImageException.class, () -> lifecycle().create(request("img/container", null)));

        assertEquals("image img/container carries no kernel", refused.getMessage());
        assertTrue(refused.hint().contains("--kernel REF") && refused.hint().contains("[defaults] kernel"));
        assertFalse(lifecycle().defaultKernel().detail().isEmpty());
    }

    @Test
    void aKernelImageThatIsNotPulledIsRefused() {
        CocoonException refused =
                assertThrows(CocoonException.class, () -> lifecycle().create(request("img/container", "img/none")));

        assertEquals("kernel image 'img/none' is not pulled", refused.getMessage());
        assertEquals(List.of(), host.vms().list());
    }

    @Test
    void anImageThatIsNoKernelImageIsRefused() {
        source.add("img/other", "sha256:" + "c".repeat(64), BootSpec.firmware(), List.of());

        CocoonException refused =
                assertThrows(CocoonException.class, () -> lifecycle().create(request("img/container", "img/other")));

        assertTrue(refused.getMessage().startsWith("image img/other is not a kernel image"), refused.getMessage());
    }

    @Test
    void aKernelImageWithoutTheVirtioModulesIsRefused() {
        source.kernels.put("img/kernel", new KernelImage("6.1.0-test-amd64", List.of("virtio_blk", "virtio_pci")));

        CocoonException refused =
                assertThrows(CocoonException.class, () -> lifecycle().create(request("img/container", "img/kernel")));

        assertEquals(
                "kernel image img/kernel (kernel 6.1.0-test-amd64) has no virtio_blk, virtio_pci module, which the VM"
                        + " needs to find its disks",
                refused.getMessage());
        assertEquals(List.of(), host.vms().list());
    }

    @Test
    void anImageWithItsOwnKernelIgnoresTheFlagAndSaysSo() {
        source.problems = List.of();

        VmRecord vm = lifecycle().create(request("img/container", "img/kernel"));

        assertNull(vm.kernelImage());
        assertEquals(List.of(containerDisk), builder.given.baseDisks());
        assertEquals("image img/container boots its own kernel: --kernel img/kernel is not used", notices.get(0));
    }

    @Test
    void aKernelImageAVmBootsWithCannotBeDeleted() {
        Lifecycle lifecycle = lifecycle();
        lifecycle.create(request("img/container", "img/kernel"));
        ImageCatalog images = new ImageCatalog(host.plugins(catalog));
        Image kernel = images.find("img/kernel");

        ConflictException refused = assertThrows(
                ConflictException.class, () -> images.delete(kernel, host.vms().list(), Map.of(), false));

        assertEquals("image img/kernel is used by VM web", refused.getMessage());
    }
}
