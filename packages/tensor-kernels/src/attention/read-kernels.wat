;; The element-wise parts of an attention read and of its gradient, each one pass over rows of the
;; tfjs-backend-wasm heap instead of 4-9 tensor ops. Every result equals tfjs's own ops bit for bit:
;; each op is rounded to float32 as a kernel would round it (wasm has no fused multiply-add), and
;; every sum runs in the order tfjs-backend-wasm's Sum kernel runs it, one element after another from
;; 0 (a reduction over SIMD lanes would reorder it). Element-wise steps take four values at a time.
;; Pointers are byte offsets into the imported memory (tfjs's own); outputs may not alias inputs.
(module
  (import "env" "memory" (memory 1))

  ;; Σ_c a[c]·b[c] over one row of n values, in order.
  (func $rowDot (param $a i32) (param $b i32) (param $n i32) (result f32)
    (local $c i32) (local $sum f32) (local $byte i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $c) (local.get $n)))
        (local.set $byte (i32.shl (local.get $c) (i32.const 2)))
        (local.set $sum
          (f32.add (local.get $sum)
            (f32.mul (f32.load (i32.add (local.get $a) (local.get $byte)))
                     (f32.load (i32.add (local.get $b) (local.get $byte))))))
        (local.set $c (i32.add (local.get $c) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; norm[r] = max(√(Σ_c x[r,c]²), ε); out[r,c] = x[r,c] / norm[r], then · scale when $scaled.
  ;; (tfjs: maximum(sqrt(sum(square(x), -1, true)), ε), div, mul.)
  (func (export "normalizeRows")
    (param $x i32) (param $out i32) (param $norm i32) (param $rows i32) (param $width i32)
    (param $epsilon f32) (param $scale f32) (param $scaled i32)
    (local $r i32) (local $c i32) (local $rowBytes i32) (local $vectorEnd i32) (local $byte i32)
    (local $n f32) (local $nv v128) (local $sv v128) (local $value f32) (local $vector v128)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $vectorEnd (i32.and (local.get $width) (i32.const -4)))
    (local.set $sv (f32x4.splat (local.get $scale)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $n
          (f32.max (f32.sqrt (call $rowDot (local.get $x) (local.get $x) (local.get $width))) (local.get $epsilon)))
        (f32.store (i32.add (local.get $norm) (i32.shl (local.get $r) (i32.const 2))) (local.get $n))
        (local.set $nv (f32x4.splat (local.get $n)))
        (local.set $c (i32.const 0))
        (block $vectorsDone
          (loop $vectors
            (br_if $vectorsDone (i32.ge_u (local.get $c) (local.get $vectorEnd)))
            (local.set $byte (i32.shl (local.get $c) (i32.const 2)))
            (local.set $vector (f32x4.div (v128.load (i32.add (local.get $x) (local.get $byte))) (local.get $nv)))
            (if (local.get $scaled) (then (local.set $vector (f32x4.mul (local.get $vector) (local.get $sv)))))
            (v128.store (i32.add (local.get $out) (local.get $byte)) (local.get $vector))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vectors)))
        (block $scalarsDone
          (loop $scalars
            (br_if $scalarsDone (i32.ge_u (local.get $c) (local.get $width)))
            (local.set $byte (i32.shl (local.get $c) (i32.const 2)))
            (local.set $value (f32.div (f32.load (i32.add (local.get $x) (local.get $byte))) (local.get $n)))
            (if (local.get $scaled) (then (local.set $value (f32.mul (local.get $value) (local.get $scale)))))
            (f32.store (i32.add (local.get $out) (local.get $byte)) (local.get $value))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $scalars)))
        (local.set $x (i32.add (local.get $x) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; The gradient of normalizeRows (unscaled) at x, from x̂ = x / norm, dx̂ and norm:
  ;; dx = (dx̂ − (x̂ · Σ_c x̂·dx̂) · u) / norm, u = 1 where norm > ε, else 0 (the clamp's derivative).
  (func (export "normalizeRowsGradient")
    (param $normalized i32) (param $dNormalized i32) (param $norm i32) (param $out i32)
    (param $rows i32) (param $width i32) (param $epsilon f32)
    (local $r i32) (local $c i32) (local $rowBytes i32) (local $vectorEnd i32) (local $byte i32)
    (local $n f32) (local $t f32) (local $u f32) (local $nv v128) (local $tv v128) (local $uv v128)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $vectorEnd (i32.and (local.get $width) (i32.const -4)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $n (f32.load (i32.add (local.get $norm) (i32.shl (local.get $r) (i32.const 2)))))
        (local.set $t (call $rowDot (local.get $normalized) (local.get $dNormalized) (local.get $width)))
        (local.set $u (select (f32.const 1) (f32.const 0) (f32.gt (local.get $n) (local.get $epsilon))))
        (local.set $nv (f32x4.splat (local.get $n)))
        (local.set $tv (f32x4.splat (local.get $t)))
        (local.set $uv (f32x4.splat (local.get $u)))
        (local.set $c (i32.const 0))
        (block $vectorsDone
          (loop $vectors
            (br_if $vectorsDone (i32.ge_u (local.get $c) (local.get $vectorEnd)))
            (local.set $byte (i32.shl (local.get $c) (i32.const 2)))
            (v128.store (i32.add (local.get $out) (local.get $byte))
              (f32x4.div
                (f32x4.sub
                  (v128.load (i32.add (local.get $dNormalized) (local.get $byte)))
                  (f32x4.mul
                    (f32x4.mul (v128.load (i32.add (local.get $normalized) (local.get $byte))) (local.get $tv))
                    (local.get $uv)))
                (local.get $nv)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vectors)))
        (block $scalarsDone
          (loop $scalars
            (br_if $scalarsDone (i32.ge_u (local.get $c) (local.get $width)))
            (local.set $byte (i32.shl (local.get $c) (i32.const 2)))
            (f32.store (i32.add (local.get $out) (local.get $byte))
              (f32.div
                (f32.sub
                  (f32.load (i32.add (local.get $dNormalized) (local.get $byte)))
                  (f32.mul
                    (f32.mul (f32.load (i32.add (local.get $normalized) (local.get $byte))) (local.get $t))
                    (local.get $u)))
                (local.get $n)))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $scalars)))
        (local.set $normalized (i32.add (local.get $normalized) (local.get $rowBytes)))
        (local.set $dNormalized (i32.add (local.get $dNormalized) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; The gradient of a softmax over each row, from its output w and dw:
  ;; out[r,c] = w[r,c] · (dw[r,c] − Σ_c w[r,c]·dw[r,c]).
  (func (export "softmaxGradient")
    (param $w i32) (param $dw i32) (param $out i32) (param $rows i32) (param $width i32)
    (local $r i32) (local $c i32) (local $rowBytes i32) (local $vectorEnd i32) (local $byte i32)
    (local $s f32) (local $sv v128) (local $wc f32)
    (local.set $rowBytes (i32.shl (local.get $width) (i32.const 2)))
    (local.set $vectorEnd (i32.and (local.get $width) (i32.const -4)))
    (block $rowsDone
      (loop $row
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $s (call $rowDot (local.get $w) (local.get $dw) (local.get $width)))
        (local.set $sv (f32x4.splat (local.get $s)))
        (local.set $c (i32.const 0))
        (block $vectorsDone
          (loop $vectors
            (br_if $vectorsDone (i32.ge_u (local.get $c) (local.get $vectorEnd)))
            (local.set $byte (i32.shl (local.get $c) (i32.const 2)))
            (v128.store (i32.add (local.get $out) (local.get $byte))
              (f32x4.mul
                (v128.load (i32.add (local.get $w) (local.get $byte)))
                (f32x4.sub (v128.load (i32.add (local.get $dw) (local.get $byte))) (local.get $sv))))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $vectors)))
        (block $scalarsDone
          (loop $scalars
            (br_if $scalarsDone (i32.ge_u (local.get $c) (local.get $width)))
            (local.set $byte (i32.shl (local.get $c) (i32.const 2)))
            (f32.store (i32.add (local.get $out) (local.get $byte))
              (f32.mul
                (f32.load (i32.add (local.get $w) (local.get $byte)))
                (f32.sub (f32.load (i32.add (local.get $dw) (local.get $byte))) (local.get $s))))
            (local.set $c (i32.add (local.get $c) (i32.const 1)))
            (br $scalars)))
        (local.set $w (i32.add (local.get $w) (local.get $rowBytes)))
        (local.set $dw (i32.add (local.get $dw) (local.get $rowBytes)))
        (local.set $out (i32.add (local.get $out) (local.get $rowBytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $row))))

  ;; What a read's weights w [rows, slots] add to a memory's statistics:
  ;; usageOut[m] = usage[m]·decay + Σ_r w[r,m] (the sum over rows in row order, four slots at a time),
  ;; hitsOut = hits + the number of rows whose largest weight reaches the threshold (int32).
  ;; One pass per row: each vector of weights is loaded once for the sum and the maximum. A maximum is
  ;; exact in any order, so two accumulators take alternate vectors: f32x4.max is a chain of several
  ;; instructions in V8 (NaN and -0 rules), and one accumulator made the row wait on it (~2x the time).
  (func (export "trackReadWeights")
    (param $w i32) (param $usage i32) (param $usageOut i32) (param $hits i32) (param $hitsOut i32)
    (param $rows i32) (param $slots i32) (param $decay f32) (param $threshold f32)
    (local $r i32) (local $m i32) (local $vectorEnd i32) (local $byte i32) (local $row i32)
    (local $largest f32) (local $first v128) (local $second v128) (local $weights v128) (local $count i32) (local $dv v128)
    (local.set $vectorEnd (i32.and (local.get $slots) (i32.const -4)))
    ;; usageOut starts at 0 and takes each row in turn.
    (memory.fill (local.get $usageOut) (i32.const 0) (i32.shl (local.get $slots) (i32.const 2)))
    (local.set $row (local.get $w))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $largest (f32.load (local.get $row)))
        (local.set $first (f32x4.splat (local.get $largest)))
        (local.set $second (local.get $first))
        (local.set $m (i32.const 0))
        ;; Four slots at a time; the two maximum accumulators take turns, swapped after each vector.
        (block $vectorsDone
          (loop $vectors
            (br_if $vectorsDone (i32.ge_u (local.get $m) (local.get $vectorEnd)))
            (local.set $byte (i32.shl (local.get $m) (i32.const 2)))
            (local.set $weights (v128.load (i32.add (local.get $row) (local.get $byte))))
            (v128.store (i32.add (local.get $usageOut) (local.get $byte))
              (f32x4.add (v128.load (i32.add (local.get $usageOut) (local.get $byte))) (local.get $weights)))
            (local.set $weights (f32x4.max (local.get $first) (local.get $weights)))
            (local.set $first (local.get $second))
            (local.set $second (local.get $weights))
            (local.set $m (i32.add (local.get $m) (i32.const 4)))
            (br $vectors)))
        (local.set $first (f32x4.max (local.get $first) (local.get $second)))
        (local.set $largest
          (f32.max
            (f32.max (f32x4.extract_lane 0 (local.get $first)) (f32x4.extract_lane 1 (local.get $first)))
            (f32.max (f32x4.extract_lane 2 (local.get $first)) (f32x4.extract_lane 3 (local.get $first)))))
        ;; The rest one slot at a time.
        (block $scalarsDone
          (loop $scalars
            (br_if $scalarsDone (i32.ge_u (local.get $m) (local.get $slots)))
            (local.set $byte (i32.shl (local.get $m) (i32.const 2)))
            (local.set $largest (f32.max (local.get $largest) (f32.load (i32.add (local.get $row) (local.get $byte)))))
            (f32.store (i32.add (local.get $usageOut) (local.get $byte))
              (f32.add
                (f32.load (i32.add (local.get $usageOut) (local.get $byte)))
                (f32.load (i32.add (local.get $row) (local.get $byte)))))
            (local.set $m (i32.add (local.get $m) (i32.const 1)))
            (br $scalars)))
        (if (f32.ge (local.get $largest) (local.get $threshold))
          (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
        (local.set $row (i32.add (local.get $row) (i32.shl (local.get $slots) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowLoop)))
    ;; usage·decay + the sums (tfjs: add(mul(usage, decay), sum)).
    (local.set $dv (f32x4.splat (local.get $decay)))
    (local.set $m (i32.const 0))
    (block $vectorsDone
      (loop $vectors
        (br_if $vectorsDone (i32.ge_u (local.get $m) (local.get $vectorEnd)))
        (local.set $byte (i32.shl (local.get $m) (i32.const 2)))
        (v128.store (i32.add (local.get $usageOut) (local.get $byte))
          (f32x4.add
            (f32x4.mul (v128.load (i32.add (local.get $usage) (local.get $byte))) (local.get $dv))
            (v128.load (i32.add (local.get $usageOut) (local.get $byte)))))
        (local.set $m (i32.add (local.get $m) (i32.const 4)))
        (br $vectors)))
    (block $scalarsDone
      (loop $scalars
        (br_if $scalarsDone (i32.ge_u (local.get $m) (local.get $slots)))
        (local.set $byte (i32.shl (local.get $m) (i32.const 2)))
        (f32.store (i32.add (local.get $usageOut) (local.get $byte))
          (f32.add
            (f32.mul (f32.load (i32.add (local.get $usage) (local.get $byte))) (local.get $decay))
            (f32.load (i32.add (local.get $usageOut) (local.get $byte)))))
        (local.set $m (i32.add (local.get $m) (i32.const 1)))
        (br $scalars)))
    (i32.store (local.get $hitsOut) (i32.add (i32.load (local.get $hits)) (local.get $count)))))
