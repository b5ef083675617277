;; One Adam step over n float32 values of the tfjs-backend-wasm heap, in tfjs AdamOptimizer's op
;; order with every op rounded to float32 (so its results equal tf.train.adam's bit for bit):
;;   m' = m·β1 + g·(1 − β1)
;;   v' = v·β2 + (g·g)·(1 − β2)
;;   w' = ((m' / (1 − β1ᵗ)) / (√(v' / (1 − β2ᵗ)) + ε)) · (−lr) + w
;; Pointers are byte offsets into the imported memory (tfjs's own); outputs may not alias inputs.
;; Four values at a time (f32x4, IEEE like every wasm float op), then the remainder one by one.
(module
  (import "env" "memory" (memory 1))
  (func (export "adamStep")
    (param $w i32) (param $g i32) (param $m i32) (param $v i32)
    (param $wOut i32) (param $mOut i32) (param $vOut i32) (param $n i32)
    (param $beta1 f32) (param $oneMinusBeta1 f32) (param $beta2 f32) (param $oneMinusBeta2 f32)
    (param $oneMinusAccBeta1 f32) (param $oneMinusAccBeta2 f32) (param $epsilon f32) (param $negLearningRate f32)
    (local $i i32) (local $vectorEnd i32) (local $byte i32)
    (local $gv v128) (local $mv v128) (local $vv v128)
    (local $b1 v128) (local $c1 v128) (local $b2 v128) (local $c2 v128)
    (local $a1 v128) (local $a2 v128) (local $e v128) (local $lr v128)
    (local $gs f32) (local $ms f32) (local $vs f32)
    (local.set $b1 (f32x4.splat (local.get $beta1)))
    (local.set $c1 (f32x4.splat (local.get $oneMinusBeta1)))
    (local.set $b2 (f32x4.splat (local.get $beta2)))
    (local.set $c2 (f32x4.splat (local.get $oneMinusBeta2)))
    (local.set $a1 (f32x4.splat (local.get $oneMinusAccBeta1)))
    (local.set $a2 (f32x4.splat (local.get $oneMinusAccBeta2)))
    (local.set $e (f32x4.splat (local.get $epsilon)))
    (local.set $lr (f32x4.splat (local.get $negLearningRate)))
    (local.set $vectorEnd (i32.and (local.get $n) (i32.const -4)))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $i) (local.get $vectorEnd)))
        (local.set $byte (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gv (v128.load (i32.add (local.get $g) (local.get $byte))))
        (local.set $mv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $m) (local.get $byte))) (local.get $b1))
            (f32x4.mul (local.get $gv) (local.get $c1))))
        (local.set $vv
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $v) (local.get $byte))) (local.get $b2))
            (f32x4.mul (f32x4.mul (local.get $gv) (local.get $gv)) (local.get $c2))))
        (v128.store (i32.add (local.get $mOut) (local.get $byte)) (local.get $mv))
        (v128.store (i32.add (local.get $vOut) (local.get $byte)) (local.get $vv))
        (v128.store (i32.add (local.get $wOut) (local.get $byte))
          (f32x4.add
            (f32x4.mul
              (f32x4.div
                (f32x4.div (local.get $mv) (local.get $a1))
                (f32x4.add (f32x4.sqrt (f32x4.div (local.get $vv) (local.get $a2))) (local.get $e)))
              (local.get $lr))
            (v128.load (i32.add (local.get $w) (local.get $byte)))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $vectors)))
    (block $scalarsDone
      (loop $scalars
        (br_if $scalarsDone (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $byte (i32.shl (local.get $i) (i32.const 2)))
        (local.set $gs (f32.load (i32.add (local.get $g) (local.get $byte))))
        (local.set $ms
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $m) (local.get $byte))) (local.get $beta1))
            (f32.mul (local.get $gs) (local.get $oneMinusBeta1))))
        (local.set $vs
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $v) (local.get $byte))) (local.get $beta2))
            (f32.mul (f32.mul (local.get $gs) (local.get $gs)) (local.get $oneMinusBeta2))))
        (f32.store (i32.add (local.get $mOut) (local.get $byte)) (local.get $ms))
        (f32.store (i32.add (local.get $vOut) (local.get $byte)) (local.get $vs))
        (f32.store (i32.add (local.get $wOut) (local.get $byte))
          (f32.add
            (f32.mul
              (f32.div
                (f32.div (local.get $ms) (local.get $oneMinusAccBeta1))
                (f32.add (f32.sqrt (f32.div (local.get $vs) (local.get $oneMinusAccBeta2))) (local.get $epsilon)))
              (local.get $negLearningRate))
            (f32.load (i32.add (local.get $w) (local.get $byte)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $scalars)))))
