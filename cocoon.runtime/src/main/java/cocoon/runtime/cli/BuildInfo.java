package cocoon.runtime.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;
import picocli.CommandLine;

/** Version, git revision and build time, written into the jar by the build. */
public final class BuildInfo implements CommandLine.IVersionProvider {

    private static final Properties PROPERTIES = load();

    static String version() {
        return PROPERTIES.getProperty("version", "unknown");
    }

    static String revision() {
        return PROPERTIES.getProperty("revision", "unknown");
    }

    static String buildTime() {
        return PROPERTIES.getProperty("built", "unknown");
    }

    @Override
    public String[] getVersion() {
        return new String[] {"cocoon " + version() + " (" + revision() + ", built " + buildTime() + ")"};
    }

    private static Properties load() {
        Properties properties = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream("/cocoon/runtime/build.properties")) {
            if (in != null) {
                properties.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return properties;
    }
}
