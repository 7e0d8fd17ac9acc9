package io.distillab.trainer.store;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/** The model store at {@code distillab.model-store}. */
@ApplicationScoped
public class ModelStoreProducer {
    @Produces
    @ApplicationScoped
    ModelStore modelStore(@ConfigProperty(name = "distillab.model-store") Path root) {
        return new ModelStore(root);
    }
}
