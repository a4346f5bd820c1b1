//! The two networks, built from `nn`'s layers: the essay's Keras model and LeNet-5.
//!
//! Legend: N = batch, C = channels, H×W = image size, K = classes.

use std::path::Path;

use nn::checkpoint::Metadata;
use nn::{CheckpointError, Conv2d, Linear, Module};
use rand::{Rng, SeedableRng};
use tensor::Tensor;

use crate::ops::{self, ConvPath};

/// Which network to build.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// The essay's Keras model: three 3×3 convolutions (32, 64, 64 filters), max-pooling
    /// after the first two, then Dense(64) and Dense(classes).
    Keras,
    /// LeCun's LeNet-5 (1998) on 28×28 inputs: 5×5 convolutions with 6 and 16 filters (the
    /// first padded by 2, so that it sees the 32×32 the original was drawn for), each
    /// followed by 2×2 pooling, then 120, 84 and `classes` units.
    Lenet5,
}

impl Arch {
    /// The name used on the command line and in checkpoints.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Keras => "keras",
            Arch::Lenet5 => "lenet5",
        }
    }

    /// The network called `name` ([`Arch::name`]), if there is one.
    pub fn from_name(name: &str) -> Option<Arch> {
        [Arch::Keras, Arch::Lenet5]
            .into_iter()
            .find(|arch| arch.name() == name)
    }

    // ANCHOR: layers
    /// The layers: each convolution as (filters, kernel, padding, then 2×2 max-pool?), and the
    /// sizes of the hidden dense layers between the flattened maps and the output.
    fn layout(self) -> (Vec<ConvSpec>, Vec<usize>) {
        let conv = |filters, kernel, padding, pool| ConvSpec {
            filters,
            kernel,
            padding,
            pool,
        };
        match self {
            // model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)))
            // model.add(layers.MaxPooling2D((2, 2)))  ... Dense(64, relu), Dense(10)
            Arch::Keras => (
                vec![
                    conv(32, 3, 0, true),
                    conv(64, 3, 0, true),
                    conv(64, 3, 0, false),
                ],
                vec![64],
            ),
            Arch::Lenet5 => (
                vec![conv(6, 5, 2, true), conv(16, 5, 0, true)],
                vec![120, 84],
            ),
        }
    }
    // ANCHOR_END: layers

    /// True if images of `height × width` are large enough for every layer.
    pub fn fits(self, height: usize, width: usize) -> bool {
        let (mut h, mut w) = (height, width);
        for s in self.layout().0 {
            if h + 2 * s.padding < s.kernel || w + 2 * s.padding < s.kernel {
                return false;
            }
            (h, w) = (
                h + 2 * s.padding - s.kernel + 1,
                w + 2 * s.padding - s.kernel + 1,
            );
            if s.pool {
                (h, w) = (h / 2, w / 2);
            }
            if h == 0 || w == 0 {
                return false;
            }
        }
        true
    }
}

#[derive(Clone, Copy, Debug)]
struct ConvSpec {
    filters: usize,
    kernel: usize,
    padding: usize,
    pool: bool,
}

/// A convolution, its ReLU, and the 2×2 max-pool that may follow.
pub struct ConvLayer {
    pub conv: Conv2d,
    pub pool: bool,
}

/// One row of the layer-by-layer summary (as Keras's `model.summary()` prints it).
#[derive(Debug, Clone, PartialEq)]
pub struct LayerSummary {
    /// `conv1`, `pool1`, `flatten`, `dense1`, ...
    pub name: String,
    /// The output shape of one example, `[C, H, W]` or `[units]`.
    pub output: Vec<usize>,
    /// Trainable numbers in the layer.
    pub params: usize,
}

/// A convolutional classifier: convolutions with ReLU (and max-pooling), flatten, dense
/// layers with ReLU, and a last dense layer giving one score (logit) per class.
pub struct Cnn {
    pub arch: Arch,
    pub convs: Vec<ConvLayer>,
    pub dense: Vec<Linear>,
    /// Whose convolution and pooling the forward pass runs: the chapter's (`Lesson`) or the
    /// tensor crate's fused op (`Fast`). Both compute the same function.
    pub conv_path: ConvPath,
    /// `[channels, height, width]` of the images it takes.
    input: [usize; 3],
    /// How many classes it scores.
    classes: usize,
}

impl Cnn {
    /// A freshly initialised network for `input = [channels, height, width]` images and
    /// `classes` classes. Weights are drawn as Keras draws them (Glorot uniform,
    /// `U(±√(6/(fan_in + fan_out)))`), biases start at zero.
    ///
    /// # Panics
    /// If the images are too small for the layers (LeNet-5 needs at least 12×12, the Keras
    /// model 18×18): the caller checks the data first.
    #[track_caller]
    pub fn new(arch: Arch, input: [usize; 3], classes: usize, rng: &mut impl Rng) -> Cnn {
        let [_, height, width] = input;
        assert!(
            arch.fits(height, width),
            "{height}x{width} images are too small for {}",
            arch.name()
        );
        let (specs, hidden) = arch.layout();
        let [mut c, mut h, mut w] = input;
        let mut convs = Vec::new();
        for s in specs {
            let conv = Conv2d::new(c, s.filters, s.kernel, 1, s.padding, rng);
            let taps = s.kernel * s.kernel;
            conv.weight.set_value(nn::init::xavier_uniform(
                &[s.filters, c, s.kernel, s.kernel],
                c * taps,
                s.filters * taps,
                rng,
            ));
            conv.bias.set_value(ndarray::ArrayD::zeros(vec![s.filters]));
            (c, h, w) = (
                s.filters,
                h + 2 * s.padding - s.kernel + 1,
                w + 2 * s.padding - s.kernel + 1,
            );
            if s.pool {
                (h, w) = (h / 2, w / 2);
            }
            convs.push(ConvLayer { conv, pool: s.pool });
        }
        let mut width = c * h * w;
        let mut dense = Vec::new();
        for units in hidden.into_iter().chain([classes]) {
            let layer = Linear::new(width, units, rng);
            layer
                .weight
                .set_value(nn::init::xavier_uniform(&[width, units], width, units, rng));
            layer.bias.set_value(ndarray::ArrayD::zeros(vec![units]));
            dense.push(layer);
            width = units;
        }
        Cnn {
            arch,
            convs,
            dense,
            conv_path: ConvPath::default(),
            input,
            classes,
        }
    }

    /// The input this network takes: `[channels, height, width]`.
    pub fn input(&self) -> [usize; 3] {
        self.input
    }

    /// The number of classes it scores.
    pub fn classes(&self) -> usize {
        self.classes
    }

    // ANCHOR: forward
    /// Scores `x: [N, C, H, W]` (pixels in `[0, 1]`): `[N, K]` logits, and the feature maps
    /// after each convolution's ReLU, `[N, filters, h, w]` each (for the figures).
    pub fn forward_with_maps(&self, x: &Tensor) -> (Tensor, Vec<Tensor>) {
        self.scores(x, true)
    }

    /// The forward pass; `keep_maps` asks for the feature maps too.
    fn scores(&self, x: &Tensor, keep_maps: bool) -> (Tensor, Vec<Tensor>) {
        let mut maps = Vec::new();
        let mut h = x.clone();
        for layer in &self.convs {
            // [N, C, H, W] -> [N, filters, H', W'], ReLU, and maybe pooling to H'/2 × W'/2.
            // Where there is pooling, relu then pool is computed as pool then relu: the
            // largest of four numbers, floored at 0, is the largest of the four floored at 0
            // (and the gradient reaches the same element), so the answer is the same, but
            // ReLU then runs on a quarter as many numbers.
            let conv = &layer.conv;
            h = match self.conv_path {
                ConvPath::Lesson => {
                    // The chapter's ops (src/ops.rs): im2col, matmul, col2im; max-pooling.
                    let y = ops::conv2d(&h, &conv.weight, &conv.bias, conv.padding);
                    if keep_maps {
                        maps.push(y.relu()); // the full-size maps, for figures
                    }
                    if layer.pool {
                        ops::max_pool2d(&y, 2).relu()
                    } else {
                        y.relu()
                    }
                }
                ConvPath::Fast => {
                    if keep_maps {
                        maps.push(conv.forward(&h).relu()); // the full-size maps, for figures
                    }
                    // The tensor crate's convolution and pooling as one op, which never
                    // writes the full-size maps to memory: the same numbers again.
                    if layer.pool {
                        conv.forward_max_pooled(&h, 2).relu()
                    } else {
                        conv.forward(&h).relu()
                    }
                }
            };
        }
        let shape = h.shape();
        h = h.reshape(&[shape[0], shape[1..].iter().product()]); // flatten: [N, C·H·W]
        let last = self.dense.len() - 1;
        for (i, layer) in self.dense.iter().enumerate() {
            h = layer.forward(&h);
            if i < last {
                h = h.relu();
            }
        }
        (h, maps) // [N, K]
    }
    // ANCHOR_END: forward

    /// Layer by layer: output shape and parameter count, as `model.summary()` lists them.
    pub fn summary(&self) -> Vec<LayerSummary> {
        let [mut c, mut h, mut w] = self.input();
        let mut rows = Vec::new();
        for (i, layer) in self.convs.iter().enumerate() {
            let shape = layer.conv.weight.shape(); // [filters, in, k, k]
            let pad = layer.conv.padding;
            (c, h, w) = (
                shape[0],
                h + 2 * pad - shape[2] + 1,
                w + 2 * pad - shape[3] + 1,
            );
            rows.push(LayerSummary {
                name: format!("conv{}", i + 1),
                output: vec![c, h, w],
                params: layer.conv.num_parameters(),
            });
            if layer.pool {
                (h, w) = (h / 2, w / 2);
                rows.push(LayerSummary {
                    name: format!("pool{}", i + 1),
                    output: vec![c, h, w],
                    params: 0,
                });
            }
        }
        rows.push(LayerSummary {
            name: "flatten".into(),
            output: vec![c * h * w],
            params: 0,
        });
        for (i, layer) in self.dense.iter().enumerate() {
            rows.push(LayerSummary {
                name: format!("dense{}", i + 1),
                output: vec![layer.weight.shape()[1]],
                params: layer.num_parameters(),
            });
        }
        rows
    }

    /// What [`Cnn::load`] needs to rebuild this network from the file alone, saved in the
    /// checkpoint's metadata: `project` (`05-cnn`), `model` (`keras` or `lenet5`), the input's
    /// `channels`, `height` and `width`, and `classes`, each as text.
    pub fn metadata(&self) -> Metadata {
        let [channels, height, width] = self.input;
        let entries = [
            ("project", PROJECT.to_owned()),
            ("model", self.arch.name().to_owned()),
            ("channels", channels.to_string()),
            ("height", height.to_string()),
            ("width", width.to_string()),
            ("classes", self.classes.to_string()),
        ];
        entries
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect()
    }

    /// Reads a checkpoint written by [`Cnn::save`], building the network its metadata
    /// describes.
    ///
    /// # Errors
    /// If the file cannot be read, is not safetensors, was not written by this program (or by
    /// an older version of it, which stored its settings differently), or its tensors do not
    /// fit the network its metadata describes; the message names the file and what to do.
    pub fn load(path: &Path) -> Result<Cnn, CheckpointError> {
        let metadata = nn::checkpoint::read_metadata(path)?;
        let settings = Settings::from_metadata(&metadata).map_err(|reason| {
            let reason = format!("{reason}; train again to write a fresh checkpoint");
            CheckpointError::Metadata {
                path: path.to_path_buf(),
                reason,
            }
        })?;
        // The initial values are replaced by the file's; any seed will do.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let model = Cnn::new(settings.arch, settings.input, settings.classes, &mut rng);
        nn::checkpoint::load(path, &model, None)?;
        Ok(model)
    }

    /// Writes the parameters, and the [`Cnn::metadata`] that [`Cnn::load`] needs, to `path` as
    /// safetensors, through a temporary file renamed into place.
    ///
    /// # Errors
    /// If the folder is not writable.
    pub fn save(&self, path: &Path) -> Result<(), CheckpointError> {
        nn::checkpoint::save(path, self, None, Some(&self.metadata()))
    }
}

/// The `project` entry of this program's checkpoints.
const PROJECT: &str = "05-cnn";

/// A checkpoint's description of its network, checked.
struct Settings {
    arch: Arch,
    input: [usize; 3],
    classes: usize,
}

impl Settings {
    /// Reads and checks what [`Cnn::metadata`] wrote. The error says what is wrong.
    fn from_metadata(metadata: &Metadata) -> Result<Settings, String> {
        if metadata.is_empty() {
            return Err(
                "the checkpoint has no metadata, so it does not say which network it \
                        holds (05-cnn checkpoints from before the metadata kept that in a \
                        `config` tensor, which this version no longer reads)"
                    .into(),
            );
        }
        let entry = |key: &str| {
            metadata
                .get(key)
                .map(String::as_str)
                .ok_or_else(|| format!("its metadata has no `{key}` entry"))
        };
        let project = entry("project")?;
        if project != PROJECT {
            return Err(format!(
                "its metadata says it was saved by {project:?}, not by {PROJECT}"
            ));
        }
        let model = entry("model")?;
        let arch = Arch::from_name(model).ok_or_else(|| {
            format!(
                "its metadata entry `model` is {model:?}; this program builds `keras` or `lenet5`"
            )
        })?;
        let size = |key: &str, least: usize| -> Result<usize, String> {
            let text = entry(key)?;
            text.parse::<usize>()
                .ok()
                .filter(|n| (least..=100_000).contains(n))
                .ok_or_else(|| {
                    format!("its metadata entry `{key}` is {text:?}, not a whole number from {least} to 100000")
                })
        };
        let input = [size("channels", 1)?, size("height", 1)?, size("width", 1)?];
        let classes = size("classes", 2)?;
        if !arch.fits(input[1], input[2]) {
            return Err(format!(
                "its metadata describes {}x{} images, too small for the {model} model",
                input[1], input[2]
            ));
        }
        Ok(Settings {
            arch,
            input,
            classes,
        })
    }
}

impl Module for Cnn {
    fn forward(&self, x: &Tensor) -> Tensor {
        self.scores(x, false).0
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut all = Vec::new();
        for (i, layer) in self.convs.iter().enumerate() {
            for (name, t) in layer.conv.named_parameters() {
                all.push((format!("conv{}.{name}", i + 1), t));
            }
        }
        for (i, layer) in self.dense.iter().enumerate() {
            for (name, t) in layer.named_parameters() {
                all.push((format!("dense{}.{name}", i + 1), t));
            }
        }
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    // ANCHOR: summary_test
    #[test]
    fn the_keras_model_has_the_keras_summary_parameter_counts() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let model = Cnn::new(Arch::Keras, [1, 28, 28], 10, &mut rng);
        let counts: Vec<(String, usize)> = model
            .summary()
            .into_iter()
            .map(|r| (r.name, r.params))
            .collect();
        let expected = [
            ("conv1", 320),
            ("pool1", 0),
            ("conv2", 18496),
            ("pool2", 0),
            ("conv3", 36928),
            ("flatten", 0),
            ("dense1", 36928),
            ("dense2", 650),
        ];
        let expected: Vec<(String, usize)> =
            expected.iter().map(|&(n, p)| (n.to_string(), p)).collect();
        assert_eq!(counts, expected);
        assert_eq!(model.num_parameters(), 93322);
        assert_eq!(model.summary()[5].output, vec![576]);
    }
    // ANCHOR_END: summary_test

    #[test]
    fn lenet5_has_its_classic_sizes() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let model = Cnn::new(Arch::Lenet5, [1, 28, 28], 10, &mut rng);
        let shapes: Vec<Vec<usize>> = model.summary().into_iter().map(|r| r.output).collect();
        assert_eq!(shapes[0], vec![6, 28, 28]);
        assert_eq!(shapes[3], vec![16, 5, 5]);
        assert_eq!(model.num_parameters(), 61706);
    }

    #[test]
    fn a_checkpoint_carries_its_network_in_its_metadata_and_loads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("model.safetensors");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let model = Cnn::new(Arch::Lenet5, [1, 20, 24], 7, &mut rng);
        model.save(&path).unwrap();
        let metadata = nn::checkpoint::read_metadata(&path).unwrap();
        let text: Vec<String> = metadata.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(
            text,
            [
                "channels=1",
                "classes=7",
                "height=20",
                "model=lenet5",
                "project=05-cnn",
                "width=24"
            ]
        );
        let loaded = Cnn::load(&path).unwrap();
        assert_eq!(
            (loaded.arch, loaded.input(), loaded.classes()),
            (Arch::Lenet5, [1, 20, 24], 7)
        );
        let values = |m: &Cnn| -> Vec<Vec<f32>> {
            m.named_parameters()
                .iter()
                .map(|(_, t)| t.to_vec())
                .collect()
        };
        assert_eq!(values(&loaded), values(&model));
    }

    #[test]
    fn a_checkpoint_without_metadata_says_to_train_again() {
        // As an older 05-cnn wrote them: the tensors, and no metadata.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.safetensors");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let model = Cnn::new(Arch::Keras, [1, 28, 28], 10, &mut rng);
        nn::checkpoint::save(&path, &model, None, None).unwrap();
        let message = Cnn::load(&path).err().expect("no metadata").to_string();
        println!("{message}");
        assert!(message.contains("old.safetensors"), "{message}");
        assert!(
            message.contains("no metadata") && message.contains("train again"),
            "{message}"
        );
    }

    #[test]
    fn missing_or_garbled_metadata_entries_are_named() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let good = Cnn::new(Arch::Keras, [1, 28, 28], 10, &mut rng).metadata();
        assert!(Settings::from_metadata(&good).is_ok());
        let with = |key: &str, value: Option<&str>| {
            let mut metadata = good.clone();
            match value {
                Some(value) => metadata.insert(key.to_owned(), value.to_owned()),
                None => metadata.remove(key),
            };
            Settings::from_metadata(&metadata).err().expect("an error")
        };
        let cases = [
            (with("height", None), "no `height` entry"),
            (
                with("height", Some("twenty")),
                "`height` is \"twenty\", not a whole number",
            ),
            (
                with("classes", Some("1")),
                "`classes` is \"1\", not a whole number from 2",
            ),
            (with("model", Some("resnet")), "`model` is \"resnet\""),
            (with("project", Some("03-mlp")), "saved by \"03-mlp\""),
            (
                with("width", Some("8")),
                "8 images, too small for the keras model",
            ),
        ];
        for (message, words) in cases {
            assert!(message.contains(words), "{message:?} should say {words:?}");
        }
    }
}
