package cocoon.api;

import java.util.List;

/**
 * What an OCI image's config says to run (the image spec's {@code config}: {@code Entrypoint}, {@code Cmd},
 * {@code Env}, {@code WorkingDir}, {@code User}), as the image carries it; a field the config leaves out is
 * empty or null.
 *
 * @param env         {@code KEY=VALUE} words, in the image's order
 * @param workingDir  absolute, or null for {@code /}
 * @param user        {@code uid}, {@code uid:gid}, {@code name} or {@code name:group}, or null for root
 */
public record ImageConfig(List<String> entrypoint, List<String> cmd, List<String> env, String workingDir, String user) {

    public ImageConfig {
        entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
        cmd = cmd == null ? List.of() : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
        workingDir = workingDir == null || workingDir.isEmpty() ? null : workingDir;
        user = user == null || user.isEmpty() ? null : user;
    }

    public static ImageConfig none() {
        return new ImageConfig(List.of(), List.of(), List.of(), null, null);
    }
}
