"""LSTM Lens's engine: everything the pages show, computed in parts that import one way only.

The parts and the parts each may import (a test reads these lines and fails on any other arrow):

    config      ->
    presets     -> config
    data        -> config
    model       -> config
    glassbox    -> config, data, evaluation, model
    evaluation  -> config, data
    training    -> config, data, model, presets
    figures     -> config, data, evaluation, glassbox, model
    lessons     -> config, data, evaluation, figures, glassbox, model, presets, training
    exports     -> config, data, glassbox, model
    store       -> config, model, training
    cluster     -> config, store, training
    ui          -> cluster, config, data, evaluation, exports, figures, glassbox, lessons, model, presets, store,
                   training

config      the settings (SeriesConfig, ModelConfig) and the bounds that check them and drive the sliders.
presets     ready-made settings: the quick start and the presets a class loads in one click.
data        the series (generated, bundled or the learner's own), scaled and cut into (X, Y) windows and splits.
model       weight shapes and parameter counts, the cell's gate table, NumPy weights, the Keras build.
glassbox    the NumPy forward replay (with knock-outs, clamps and resets) and backward pass proven equal to
            Keras; readouts of the memory, unit roles and the what-if atlas.
evaluation  the one MSE and its metrics, the baselines, skill scores, paired-gap judgements and the class board's.
training    the plain data both sides share (protocol), the job a page reads and its messages, the backend
            interface and the one base both backends share (fair queue included), the pool of worker
            processes, the Keras worker and its model cache, the time estimate.
figures     the house style (palette, layout, log axes) and every Plotly figure and table of the explainer,
            the Inside stepper among them: every step of a window, its equations filled in with the replay's numbers.
lessons     one module per lesson's computation and its figures.
exports     CSV, JSON and a runnable Keras script of a run.
store       stored runs and classroom rooms as durable records: SQLite by default, PostgreSQL when named.
cluster     the training backend a server uses: its own pool, or a Ray cluster's queue and trainer actors.
ui          the only part that imports Streamlit: the page registry, every session key, links, widgets.

Keras is imported only inside functions of model.keras_model and training.worker, so the server process
(every part but a worker) never loads TensorFlow. The pages in pages/ are thin: they call ui and the parts.
"""
