import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import org.objectweb.asm.ClassReader;
import org.objectweb.asm.ClassVisitor;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.Opcodes;

/**
 * Rewrites the pre-Java-6 class files of a jar (picocli targets Java 5) as Java 8 class files with
 * stack map frames, because the JVM's ahead-of-time cache skips classes that need the old verifier,
 * and with them every class that implements one of their interfaces.
 * Usage: java --class-path asm.jar ClassVersionUpgrade.java IN.jar OUT.jar
 */
public final class ClassVersionUpgrade {

    public static void main(String[] args) throws IOException {
        Path in = Path.of(args[0]);
        try (JarFile jar = new JarFile(in.toFile());
                URLClassLoader loader =
                        new URLClassLoader(new URL[] {in.toUri().toURL()}, ClassLoader.getPlatformClassLoader());
                JarOutputStream out = new JarOutputStream(Files.newOutputStream(Path.of(args[1])))) {
            for (JarEntry entry : java.util.Collections.list(jar.entries())) {
                byte[] bytes = jar.getInputStream(entry).readAllBytes();
                if (entry.getName().endsWith(".class") && !entry.getName().endsWith("module-info.class")) {
                    bytes = upgrade(bytes, loader);
                }
                JarEntry copy = new JarEntry(entry.getName());
                copy.setTime(entry.getTime());
                out.putNextEntry(copy);
                out.write(bytes);
                out.closeEntry();
            }
        }
    }

    private static byte[] upgrade(byte[] bytes, ClassLoader loader) {
        ClassReader reader = new ClassReader(bytes);
        if (reader.readShort(6) >= Opcodes.V1_6) {
            return bytes;
        }
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES) {
            @Override
            protected ClassLoader getClassLoader() {
                return loader;
            }
        };
        reader.accept(
                new ClassVisitor(Opcodes.ASM9, writer) {
                    @Override
                    public void visit(
                            int version,
                            int access,
                            String name,
                            String signature,
                            String superName,
                            String[] interfaces) {
                        super.visit(Opcodes.V1_8, access, name, signature, superName, interfaces);
                    }
                },
                ClassReader.SKIP_FRAMES);
        return writer.toByteArray();
    }
}
