//! The two players, built from `nn`'s layers: multilayer perceptrons (for the 2-D mixture and
//! for MNIST) and the convolutional pair of DCGAN (Radford, Metz and Chintala, 2016).
//!
//! Legend: N = batch, Z = latent size, W = the width (units or channels) of a network.
//! Images are `[N, 1, 28, 28]` with pixels in `[-1, 1]`, the range of the generator's `tanh`.

use std::path::Path;

use nn::checkpoint::Metadata;
use nn::{BatchNorm, CheckpointError, Conv2d, ConvTranspose2d, Linear, Module};
use rand::{Rng, SeedableRng};
use tensor::Tensor;

/// The slope of every LeakyReLU here, DCGAN's 0.2: a unit that is "off" still passes a fifth
/// of its gradient, so the discriminator never goes silent on a region of the input.
pub const LEAKY_SLOPE: f32 = 0.2;

/// `N` latent points drawn from the standard normal: `[N, Z]`.
pub fn latent(n: usize, size: usize, rng: &mut impl Rng) -> Tensor {
    Tensor::new(nn::init::normal(&[n, size], 0.0, 1.0, rng))
}

// ANCHOR: mlp
/// Linear layers with LeakyReLU between them: `sizes = [in, h1, ..., out]`. The output is
/// passed through `tanh` when `tanh_output` (a generator of pixels in `[-1, 1]`), else left
/// as it is (a discriminator's logit, or a generator of points in the plane).
pub struct Mlp {
    pub layers: Vec<Linear>,
    pub tanh_output: bool,
}

impl Mlp {
    /// Weights from `nn::Linear`'s default `U(±1/√inputs)`, as PyTorch's `nn.Linear`.
    pub fn new(sizes: &[usize], tanh_output: bool, rng: &mut impl Rng) -> Mlp {
        let layers = sizes
            .windows(2)
            .map(|pair| Linear::new(pair[0], pair[1], rng))
            .collect();
        Mlp {
            layers,
            tanh_output,
        }
    }
}

impl Module for Mlp {
    /// `[N, in]` -> `[N, out]`.
    fn forward(&self, x: &Tensor) -> Tensor {
        let last = self.layers.len() - 1;
        let mut h = x.clone();
        for (i, layer) in self.layers.iter().enumerate() {
            h = layer.forward(&h);
            if i < last {
                h = h.leaky_relu(LEAKY_SLOPE);
            }
        }
        if self.tanh_output {
            h.tanh()
        } else {
            h
        }
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut all = Vec::new();
        for (i, layer) in self.layers.iter().enumerate() {
            for (name, t) in layer.named_parameters() {
                all.push((format!("{i}.{name}"), t));
            }
        }
        all
    }
}
// ANCHOR_END: mlp

// ANCHOR: packed
/// PacGAN's discriminator (Lin, Khetan, Fanti and Oh, 2018): `inner` judges `pack` samples at
/// once, all real or all generated, concatenated along the features (points) or the channels
/// (images). A generator that draws the same few things over and over makes packs whose
/// members look alike, which real packs never do; so the discriminator can see mode collapse,
/// which it cannot in one sample at a time.
///
/// `[N, C, ...]` -> `[N / pack, pack·C, ...]` -> `inner` -> one logit per pack, `[N / pack, 1]`.
pub struct Packed {
    pub inner: Box<dyn Module>,
    pub pack: usize,
}

impl Module for Packed {
    fn forward(&self, x: &Tensor) -> Tensor {
        let mut shape = x.shape();
        assert!(
            shape[0] % self.pack == 0,
            "a batch of {} samples does not split into packs of {}",
            shape[0],
            self.pack
        );
        // Row-major storage: consecutive samples become the channels of one pack.
        shape[0] /= self.pack;
        shape[1] *= self.pack;
        self.inner.forward(&x.reshape(&shape))
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.inner.named_parameters()
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        self.inner.named_buffers()
    }

    fn set_training(&mut self, training: bool) {
        self.inner.set_training(training);
    }
}
// ANCHOR_END: packed

// ANCHOR: dcgan_generator
/// DCGAN's generator for 28×28 images: project the latent point to `2W` maps of 7×7, then two
/// transposed convolutions (kernel 4, stride 2, padding 1) double the size twice, 7 -> 14 -> 28.
/// Batch normalisation and ReLU after every layer but the last, whose `tanh` gives pixels.
pub struct DcGenerator {
    pub project: Linear,
    pub norm0: BatchNorm,
    pub up1: ConvTranspose2d,
    pub norm1: BatchNorm,
    pub up2: ConvTranspose2d,
    width: usize,
}

impl DcGenerator {
    /// Weights from `N(0, 0.02)`, as the DCGAN paper draws them; biases at zero.
    pub fn new(latent: usize, width: usize, rng: &mut impl Rng) -> DcGenerator {
        let project = Linear::new(latent, 2 * width * 7 * 7, rng);
        let up1 = ConvTranspose2d::new(2 * width, width, 4, 2, 1, rng);
        let up2 = ConvTranspose2d::new(width, 1, 4, 2, 1, rng);
        dcgan_init(&[&project.weight, &up1.weight, &up2.weight], rng);
        zero(&[&project.bias, &up1.bias, &up2.bias]);
        DcGenerator {
            project,
            norm0: BatchNorm::new(2 * width),
            up1,
            norm1: BatchNorm::new(width),
            up2,
            width,
        }
    }
}

impl Module for DcGenerator {
    /// `z: [N, Z]` -> images `[N, 1, 28, 28]`.
    fn forward(&self, z: &Tensor) -> Tensor {
        let n = z.shape()[0];
        let h = self.project.forward(z).reshape(&[n, 2 * self.width, 7, 7]); // [N, 2W, 7, 7]
        let h = self.norm0.forward(&h).relu();
        let h = self.norm1.forward(&self.up1.forward(&h)).relu(); // [N, W, 14, 14]
        self.up2.forward(&h).tanh() // [N, 1, 28, 28]
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut all = prefixed("project", self.project.named_parameters());
        all.extend(prefixed("norm0", self.norm0.named_parameters()));
        all.extend(prefixed("up1", self.up1.named_parameters()));
        all.extend(prefixed("norm1", self.norm1.named_parameters()));
        all.extend(prefixed("up2", self.up2.named_parameters()));
        all
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        let mut all = prefixed("norm0", self.norm0.named_buffers());
        all.extend(prefixed("norm1", self.norm1.named_buffers()));
        all
    }

    fn set_training(&mut self, training: bool) {
        self.norm0.set_training(training);
        self.norm1.set_training(training);
    }
}
// ANCHOR_END: dcgan_generator

// ANCHOR: dcgan_discriminator
/// DCGAN's discriminator, the generator's mirror: two strided convolutions (kernel 4, stride
/// 2, padding 1) halve the image twice, 28 -> 14 -> 7, with LeakyReLU (and batch
/// normalisation after the second, none on the input layer, as in the paper), then one
/// linear layer gives the logit.
pub struct DcDiscriminator {
    pub down1: Conv2d,
    pub down2: Conv2d,
    pub norm2: BatchNorm,
    pub logit: Linear,
}

impl DcDiscriminator {
    /// For images of `channels` channels (1, or a [`Packed`] discriminator's pack size).
    /// Weights from `N(0, 0.02)`; biases at zero.
    pub fn new(channels: usize, width: usize, rng: &mut impl Rng) -> DcDiscriminator {
        let down1 = Conv2d::new(channels, width, 4, 2, 1, rng);
        let down2 = Conv2d::new(width, 2 * width, 4, 2, 1, rng);
        let logit = Linear::new(2 * width * 7 * 7, 1, rng);
        dcgan_init(&[&down1.weight, &down2.weight, &logit.weight], rng);
        zero(&[&down1.bias, &down2.bias, &logit.bias]);
        DcDiscriminator {
            down1,
            down2,
            norm2: BatchNorm::new(2 * width),
            logit,
        }
    }
}

impl Module for DcDiscriminator {
    /// Images `[N, 1, 28, 28]` -> logits `[N, 1]`.
    fn forward(&self, x: &Tensor) -> Tensor {
        let h = self.down1.forward(x).leaky_relu(LEAKY_SLOPE); // [N, W, 14, 14]
        let h = self.norm2.forward(&self.down2.forward(&h)); // [N, 2W, 7, 7]
        let h = h.leaky_relu(LEAKY_SLOPE);
        let n = h.shape()[0];
        self.logit.forward(&h.reshape(&[n, h.len() / n])) // [N, 1]
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        let mut all = prefixed("down1", self.down1.named_parameters());
        all.extend(prefixed("down2", self.down2.named_parameters()));
        all.extend(prefixed("norm2", self.norm2.named_parameters()));
        all.extend(prefixed("logit", self.logit.named_parameters()));
        all
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        prefixed("norm2", self.norm2.named_buffers())
    }

    fn set_training(&mut self, training: bool) {
        self.norm2.set_training(training);
    }
}
// ANCHOR_END: dcgan_discriminator

/// An MLP over images: flattens `[N, C, H, W]` to `[N, C·H·W]` on the way in (a discriminator)
/// or reshapes `[N, H·W]` to `[N, 1, H, W]` on the way out (a generator).
pub struct ImageMlp {
    pub mlp: Mlp,
    side: usize,
    makes_images: bool,
}

impl Module for ImageMlp {
    fn forward(&self, x: &Tensor) -> Tensor {
        let n = x.shape()[0];
        if self.makes_images {
            self.mlp.forward(x).reshape(&[n, 1, self.side, self.side])
        } else {
            self.mlp.forward(&x.reshape(&[n, x.len() / n]))
        }
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.mlp.named_parameters()
    }
}

/// Which pair of networks plays on MNIST.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arch {
    /// Multilayer perceptrons: generator `Z -> W -> 2W -> 784`, discriminator
    /// `784 -> 2W -> W -> 1`.
    Mlp,
    /// DCGAN's transposed and strided convolutions with batch normalisation.
    Dcgan,
}

impl Arch {
    /// The name used on the command line and in checkpoints.
    pub fn name(self) -> &'static str {
        match self {
            Arch::Mlp => "mlp",
            Arch::Dcgan => "dcgan",
        }
    }

    fn from_name(name: &str) -> Option<Arch> {
        match name {
            "mlp" => Some(Arch::Mlp),
            "dcgan" => Some(Arch::Dcgan),
            _ => None,
        }
    }
}

/// What a generator for MNIST is: enough to rebuild it from a checkpoint.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GanConfig {
    pub arch: Arch,
    /// Z, the size of a latent point.
    pub latent: usize,
    /// W: hidden units of the MLPs' first generator layer, or channels of DCGAN's last
    /// generator layer (and first discriminator layer).
    pub width: usize,
}

impl GanConfig {
    /// What [`Generator::load`] needs to rebuild a generator from its checkpoint alone, kept
    /// in the checkpoint's metadata: `project` (`10-gan`), `model` (`mlp` or `dcgan`),
    /// `latent` and `width`, as text.
    pub fn metadata(&self) -> Metadata {
        [
            ("project", "10-gan".to_owned()),
            ("model", self.arch.name().to_owned()),
            ("latent", self.latent.to_string()),
            ("width", self.width.to_string()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
    }

    /// How many weights the generator of this configuration has, at least (those of its
    /// linear and convolution layers, without biases or batch-norm): what a file holding it
    /// must have room for.
    pub fn generator_weights(&self) -> u128 {
        let (latent, width) = (self.latent as u128, self.width as u128);
        let side = SIDE as u128;
        match self.arch {
            // Z -> W -> 2W -> 784.
            Arch::Mlp => latent * width + width * 2 * width + 2 * width * side * side,
            // Z -> 2W x 7 x 7, then 4 x 4 transposed convolutions 2W -> W -> 1.
            Arch::Dcgan => latent * 2 * width * 49 + 2 * width * width * 16 + width * 16,
        }
    }

    /// Reads what [`GanConfig::metadata`] wrote; the error says what is wrong.
    fn from_metadata(metadata: &Metadata) -> Result<GanConfig, String> {
        let entry = |key: &str| {
            metadata
                .get(key)
                .map(String::as_str)
                .ok_or_else(|| format!("its metadata has no `{key}` entry"))
        };
        if entry("project")? != "10-gan" {
            return Err(format!(
                "its metadata says project `{}`, not 10-gan",
                entry("project")?
            ));
        }
        let model = entry("model")?;
        let arch = Arch::from_name(model).ok_or_else(|| format!("unknown model `{model}`"))?;
        let size = |key: &str| {
            let text = entry(key)?;
            text.parse::<usize>()
                .ok()
                .filter(|n| (1..=65_536).contains(n))
                .ok_or_else(|| format!("its `{key}` entry `{text}` is not a size"))
        };
        Ok(GanConfig {
            arch,
            latent: size("latent")?,
            width: size("width")?,
        })
    }
}

/// The images are 28×28 (the architectures' 7 -> 14 -> 28 needs exactly that).
pub const SIDE: usize = 28;

/// A generator for MNIST, with its [`GanConfig`] (kept in its checkpoint's metadata, so that
/// `sample` and `interpolate` can rebuild it from the file alone).
pub struct Generator {
    pub config: GanConfig,
    pub net: Box<dyn Module>,
}

impl Generator {
    /// A freshly initialised generator.
    pub fn new(config: GanConfig, rng: &mut impl Rng) -> Generator {
        let GanConfig { latent, width, .. } = config;
        let net: Box<dyn Module> = match config.arch {
            Arch::Mlp => Box::new(ImageMlp {
                mlp: Mlp::new(&[latent, width, 2 * width, SIDE * SIDE], true, rng),
                side: SIDE,
                makes_images: true,
            }),
            Arch::Dcgan => Box::new(DcGenerator::new(latent, width, rng)),
        };
        Generator { config, net }
    }

    /// Reads a checkpoint written by [`Generator::save`], building the generator it describes.
    ///
    /// # Errors
    /// If the file cannot be read, is not safetensors, or was not written by 10-gan; the
    /// message names the file.
    pub fn load(path: &Path) -> Result<Generator, CheckpointError> {
        let bytes = std::fs::read(path).map_err(|source| CheckpointError::Io {
            path: path.to_path_buf(),
            action: "read",
            source,
        })?;
        Generator::from_bytes(&bytes, path)
    }

    /// [`Generator::load`] on the bytes of a checkpoint (what the fuzzer feeds); `path` is
    /// only for messages.
    ///
    /// # Errors
    /// As [`Generator::load`].
    pub fn from_bytes(bytes: &[u8], path: &Path) -> Result<Generator, CheckpointError> {
        let metadata = nn::checkpoint::metadata_from_bytes(bytes, path)?;
        let config =
            GanConfig::from_metadata(&metadata).map_err(|reason| CheckpointError::Metadata {
                path: path.to_path_buf(),
                reason: format!("{reason}, so no 10-gan training run saved it"),
            })?;
        // The generator is built only if the file can hold its weights: a damaged `width`
        // (65536 is a size) must not make this program allocate gigabytes first.
        let weights = config.generator_weights();
        if weights * 4 > bytes.len() as u128 {
            return Err(CheckpointError::Metadata {
                path: path.to_path_buf(),
                reason: format!(
                    "its metadata describes a generator of {weights} weights, more than its                      {} bytes can hold, so it is damaged; pass a model.safetensors that a                      10-gan training run wrote",
                    bytes.len()
                ),
            });
        }
        // The initial values are replaced by the file's; any seed will do.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let generator = Generator::new(config, &mut rng);
        nn::checkpoint::load_from_bytes(bytes, path, &generator, None)?;
        Ok(generator)
    }

    /// Writes the parameters, batch-norm statistics and [`GanConfig::metadata`] to `path` as
    /// safetensors, through a temporary file renamed into place.
    ///
    /// # Errors
    /// If the folder is not writable.
    pub fn save(&self, path: &Path) -> Result<(), CheckpointError> {
        nn::checkpoint::save(path, self, None, Some(&self.config.metadata()))
    }
}

impl Module for Generator {
    fn forward(&self, z: &Tensor) -> Tensor {
        self.net.forward(z)
    }

    fn named_parameters(&self) -> Vec<(String, Tensor)> {
        self.net.named_parameters()
    }

    fn named_buffers(&self) -> Vec<(String, Tensor)> {
        self.net.named_buffers()
    }

    fn set_training(&mut self, training: bool) {
        self.net.set_training(training);
    }
}

/// The discriminator that plays against a generator of `config`, judging `pack` images at
/// once ([`Packed`]; 1: one at a time).
pub fn discriminator(config: GanConfig, pack: usize, rng: &mut impl Rng) -> Box<dyn Module> {
    let width = config.width;
    let inner: Box<dyn Module> = match config.arch {
        Arch::Mlp => Box::new(ImageMlp {
            mlp: Mlp::new(&[pack * SIDE * SIDE, 2 * width, width, 1], false, rng),
            side: SIDE,
            makes_images: false,
        }),
        Arch::Dcgan => Box::new(DcDiscriminator::new(pack, width, rng)),
    };
    if pack == 1 {
        inner
    } else {
        Box::new(Packed { inner, pack })
    }
}

fn prefixed(prefix: &str, inner: Vec<(String, Tensor)>) -> Vec<(String, Tensor)> {
    inner
        .into_iter()
        .map(|(name, t)| (format!("{prefix}.{name}"), t))
        .collect()
}

/// DCGAN's initialisation: every weight from `N(0, 0.02)`.
fn dcgan_init(weights: &[&Tensor], rng: &mut impl Rng) {
    for w in weights {
        w.set_value(nn::init::normal(&w.shape(), 0.0, 0.02, rng));
    }
}

fn zero(biases: &[&Tensor]) {
    for b in biases {
        b.set_value(ndarray::ArrayD::zeros(b.shape()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_architectures_map_latent_points_to_images_and_images_to_one_logit() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        for arch in [Arch::Mlp, Arch::Dcgan] {
            let config = GanConfig {
                arch,
                latent: 8,
                width: 4,
            };
            let generator = Generator::new(config, &mut rng);
            let d = discriminator(config, 1, &mut rng);
            let images = generator.forward(&latent(3, 8, &mut rng));
            assert_eq!(images.shape(), vec![3, 1, 28, 28], "{arch:?}");
            assert!(images.to_vec().iter().all(|p| p.abs() <= 1.0));
            assert_eq!(d.forward(&images).shape(), vec![3, 1], "{arch:?}");
        }
    }

    #[test]
    fn a_packed_discriminator_gives_one_logit_per_pack_that_depends_on_every_member() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        for arch in [Arch::Mlp, Arch::Dcgan] {
            let config = GanConfig {
                arch,
                latent: 8,
                width: 4,
            };
            let mut d = discriminator(config, 2, &mut rng);
            d.eval(); // batch statistics would mix the packs
            let images = Generator::new(config, &mut rng).forward(&latent(4, 8, &mut rng));
            let logits = d.forward(&images).to_vec();
            assert_eq!(logits.len(), 2, "{arch:?}: four images make two packs");
            // Change only the second image: the first pack's logit moves, the second's does not.
            let mut pixels = images.to_vec();
            pixels[784..2 * 784].iter_mut().for_each(|p| *p = -*p);
            let changed = d
                .forward(&Tensor::from_vec(pixels, &[4, 1, 28, 28]))
                .to_vec();
            assert!(
                (changed[0] - logits[0]).abs() > 1e-6,
                "{arch:?}: {changed:?}"
            );
            assert_eq!(changed[1], logits[1], "{arch:?}");
        }
    }

    #[test]
    fn a_generator_checkpoint_needs_10_gans_metadata() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.safetensors");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let config = GanConfig {
            arch: Arch::Mlp,
            latent: 4,
            width: 8,
        };
        let generator = Generator::new(config, &mut rng);
        nn::checkpoint::save(&path, &generator, None, None).unwrap();
        let error = Generator::load(&path).err().expect("no metadata: refused");
        assert!(error.to_string().contains("other.safetensors"), "{error}");
        let mut metadata = config.metadata();
        metadata.insert("model".into(), "transformer".into());
        nn::checkpoint::save(&path, &generator, None, Some(&metadata)).unwrap();
        let error = Generator::load(&path)
            .err()
            .expect("unknown model: refused");
        assert!(error.to_string().contains("transformer"), "{error}");
    }

    /// Found by `scripts/fuzz.sh gan`: a checkpoint whose metadata said `width` = 65536 built
    /// a generator of 34 GB before looking at the file's tensors.
    #[test]
    fn a_generator_checkpoint_claiming_a_huge_width_is_refused_before_building_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge.safetensors");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        for arch in [Arch::Mlp, Arch::Dcgan] {
            let config = GanConfig {
                arch,
                latent: 4,
                width: 8,
            };
            let generator = Generator::new(config, &mut rng);
            // The bound is a lower one: a true generator always has room.
            let weights: usize = generator
                .named_parameters()
                .iter()
                .map(|(_, t)| t.shape().iter().product::<usize>())
                .sum();
            assert!(config.generator_weights() <= weights as u128, "{arch:?}");

            let mut metadata = config.metadata();
            metadata.insert("width".into(), "65536".into());
            nn::checkpoint::save(&path, &generator, None, Some(&metadata)).unwrap();
            let error = Generator::load(&path).err().expect("a huge width: refused");
            let message = error.to_string();
            assert!(
                message.contains("huge.safetensors") && message.contains("more than its"),
                "{message}"
            );
        }
    }

    #[test]
    fn a_saved_generator_loads_back_and_draws_the_same_images() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.safetensors");
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let config = GanConfig {
            arch: Arch::Dcgan,
            latent: 6,
            width: 3,
        };
        let mut generator = Generator::new(config, &mut rng);
        // One training-mode pass moves the batch-norm statistics away from their start.
        generator.forward(&latent(5, 6, &mut rng));
        generator.save(&path).unwrap();
        let mut loaded = Generator::load(&path).unwrap();
        assert_eq!(loaded.config, config);
        let z = latent(4, 6, &mut rng);
        let (ours, theirs) = (
            crate::generate(&mut generator, &z),
            crate::generate(&mut loaded, &z),
        );
        assert_eq!(ours.to_vec(), theirs.to_vec());
    }
}
