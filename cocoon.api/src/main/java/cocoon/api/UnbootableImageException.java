package cocoon.api;

/** An image that no VM could boot: refused at create, before anything is written. */
public class UnbootableImageException extends CocoonException {

    private final BootProblem problem;

    public UnbootableImageException(String image, BootProblem problem) {
        super("image " + image + " " + problem.what(), problem.hint());
        this.problem = problem;
    }

    public BootProblem problem() {
        return problem;
    }
}
