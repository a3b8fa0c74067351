import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.ModuleVisitor;
import org.objectweb.asm.Opcodes;

/**
 * Copies a modular jar with {@code requires MODULE} in its module descriptors turned into {@code requires static
 * MODULE}: the module is then read when present and not needed at run time. For a dependency that requires a
 * platform module only for classes Cocoon never loads, so jlink can leave that module out of the image.
 * Usage: java --class-path asm.jar OptionalRequires.java MODULE IN.jar OUT.jar
 */
public final class OptionalRequires {

    public static void main(String[] args) throws IOException {
        String module = args[0];
        boolean found = false;
        try (JarFile jar = new JarFile(args[1]);
                JarOutputStream out = new JarOutputStream(Files.newOutputStream(Path.of(args[2])))) {
            for (JarEntry entry : Collections.list(jar.entries())) {
                byte[] bytes = jar.getInputStream(entry).readAllBytes();
                if (entry.getName().endsWith("module-info.class")) {
                    byte[] edited = optional(bytes, module);
                    found |= edited != bytes;
                    bytes = edited;
                }
                JarEntry copy = new JarEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
        if (!found) {
            // A newer release of the dependency dropped the requirement, or the jar is not what the caller thinks.
            throw new IllegalStateException(args[1] + " has no module descriptor that requires " + module);
        }
    }

    /** The descriptor with {@code module} required statically, or {@code descriptor} itself if it does not require it. */
    private static byte[] optional(byte[] descriptor, String module) {
        boolean[] changed = {false};
        ClassWriter writer = new ClassWriter(0);
        new ClassReader(descriptor)
                .accept(
                        new ClassVisitor(Opcodes.ASM9, writer) {
                            @Override
                            public ModuleVisitor visitModule(String name, int access, String version) {
                                return new ModuleVisitor(Opcodes.ASM9, super.visitModule(name, access, version)) {
                                    @Override
                                    public void visitRequire(String required, int flags, String requiredVersion) {
                                        if (required.equals(module) && (flags & Opcodes.ACC_STATIC_PHASE) == 0) {
                                            flags |= Opcodes.ACC_STATIC_PHASE;
                                            changed[0] = true;
                                        }
                                        super.visitRequire(required, flags, requiredVersion);
                                    }
                                };
                            }
                        },
                        0);
        return changed[0] ? writer.toByteArray() : descriptor;
    }
}
