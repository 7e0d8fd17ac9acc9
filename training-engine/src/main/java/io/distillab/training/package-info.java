/** Training engine: tensors, the span-masked distillation loss (CPU and CUDA), optimisers. */
package io.distillab.training;
