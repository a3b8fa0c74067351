package cocoon.runtime.vm;

import cocoon.api.ImageConfig;
import cocoon.api.InvalidInputException;
import cocoon.api.VmSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * The create flags about what the VM runs, as given; null or empty means "not given".
 *
 * @param env         {@code -e/--env}: {@code KEY=VALUE}, or {@code KEY} for cocoon's own value of it
 * @param entrypoint  {@code --entrypoint}
 * @param workingDir  {@code -w/--workdir}
 * @param args        the words after the image, which replace the image's {@code Cmd}
 * @param init        {@code --init}: the image's {@code /sbin/init}, whatever command would run
 */
public record CommandFlags(List<String> env, String entrypoint, String workingDir, List<String> args, boolean init) {

    /** Docker's {@code PATH} for a container whose image sets none. */
    static final String DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public CommandFlags {
        env = env == null ? List.of() : List.copyOf(env);
        args = args == null ? List.of() : List.copyOf(args);
    }

    public static CommandFlags none() {
        return new CommandFlags(List.of(), null, null, List.of(), false);
    }

    /**
     * What the VM runs, as {@code docker run} resolves it: the words after the image replace the image's
     * {@code Cmd}; {@code --entrypoint} replaces its {@code Entrypoint} and drops its {@code Cmd}; {@code -e}
     * overrides or adds to its {@code Env}; empty when the VM runs the image's init.
     *
     * @param image             the image's config
     * @param imageCommand      whether the image's own {@code Entrypoint} + {@code Cmd} runs when no flag names a command
     * @param user              {@code -u/--user}, or null
     * @param cocoonEnvironment cocoon's environment, for {@code -e KEY}
     */
    public Optional<VmSpec.Command> resolve(
            ImageConfig image, boolean imageCommand, String user, UnaryOperator<String> cocoonEnvironment) {
        if (entrypoint != null && entrypoint.isBlank()) {
            throw new InvalidInputException(
                    "--entrypoint is empty", "name the program to run, e.g. --entrypoint /bin/sh");
        }
        if (init && (entrypoint != null || !args.isEmpty())) {
            throw new InvalidInputException(
                    "--init runs the image's /sbin/init, so it takes no --entrypoint or command",
                    "drop --init to run the command, or the command to run the init");
        }
        boolean runs = !init && (entrypoint != null || !args.isEmpty() || imageCommand);
        Map<String, String> variables = variables(cocoonEnvironment);
        if (!runs) {
            if (!env.isEmpty() || workingDir != null) {
                throw new InvalidInputException(
                        "-e/--env and -w/--workdir set up a command, and this VM runs the image's init",
                        "give the command to run after the image (or --entrypoint), or drop them");
            }
            return Optional.empty();
        }
        List<String> argv = new ArrayList<>(entrypoint != null ? List.of(entrypoint) : image.entrypoint());
        argv.addAll(!args.isEmpty() ? args : entrypoint != null ? List.<String>of() : image.cmd());
        if (argv.isEmpty()) {
            throw new InvalidInputException(
                    "the image has no Entrypoint or Cmd to run", "give the command after the image, or --entrypoint");
        }
        String directory = workingDir != null ? workingDir : image.workingDir() != null ? image.workingDir() : "/";
        if (!directory.startsWith("/")) {
            throw new InvalidInputException(
                    "the working directory '" + directory + "' is not an absolute path", "give -w an absolute path");
        }
        Map<String, String> merged = new LinkedHashMap<>();
        put(merged, DEFAULT_PATH);
        image.env().forEach(word -> put(merged, word));
        merged.putAll(variables);
        List<String> words = merged.entrySet().stream()
                .map(variable -> variable.getKey() + "=" + variable.getValue())
                .toList();
        String who = user != null && !user.isEmpty() ? user : image.user();
        if (who != null && !who.matches("[^:\\s]+(:[^:\\s]+)?")) {
            throw new InvalidInputException(
                    "--user '" + who + "' is not a user to run a command as",
                    "give uid, uid:gid, name or name:group (from the image's /etc/passwd and /etc/group)");
        }
        return Optional.of(new VmSpec.Command(argv, words, directory, who));
    }

    /** The {@code -e} flags as variables, in order; {@code -e KEY} with no such variable in cocoon's environment sets none. */
    private Map<String, String> variables(UnaryOperator<String> cocoonEnvironment) {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String word : env) {
            int equals = word.indexOf('=');
            String key = equals < 0 ? word : word.substring(0, equals);
            if (key.isEmpty()) {
                throw new InvalidInputException(
                        "-e '" + word + "' names no variable",
                        "give it as KEY=VALUE, or KEY to pass cocoon's own value");
            }
            String value = equals < 0 ? cocoonEnvironment.apply(key) : word.substring(equals + 1);
            if (value != null) {
                variables.put(key, value);
            }
        }
        return variables;
    }

    private static void put(Map<String, String> variables, String word) {
        int equals = word.indexOf('=');
        variables.put(word.substring(0, equals), word.substring(equals + 1));
    }
}
