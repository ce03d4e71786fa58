//! gpuchain bank module (work in progress).
